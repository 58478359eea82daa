package dev.hotserve.server.ui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The dashboard's files, read from the class path once at start-up and kept in memory (about
 * 70 KB, of which the chart library is 50 KB): the page and its script and styles from this
 * package's resources, uPlot and Swagger UI from their WebJars. Nothing is fetched from
 * anywhere else, and the page needs no build step.
 */
final class StaticFiles {

    /** One file as sent. */
    record File(byte[] body, String contentType, String cacheControl) {}

    private static final String OWN = "/dev/hotserve/server/ui/";
    private static final String NO_CACHE = "no-cache";
    /** The vendored files change only with their version, which changes only with a new server build. */
    private static final String CACHE_DAY = "public, max-age=86400";

    private final Map<String, File> assets = new HashMap<>();
    private final Map<String, File> apiFiles = new HashMap<>();
    private final File page;
    private final File apiPage;

    /**
     * @param authMode what the page should expect: {@code "api"} when a key is needed to read
     *     anything, {@code "admin"} when only actions need one, {@code "none"}
     */
    StaticFiles(String authMode) {
        String page = text(OWN + "index.html").replace("{{AUTH}}", authMode);
        this.page = new File(page.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8", NO_CACHE);
        this.apiPage = new File(bytes(OWN + "api.html"), "text/html; charset=utf-8", NO_CACHE);
        assets.put("app.js", new File(bytes(OWN + "app.js"), "text/javascript; charset=utf-8", NO_CACHE));
        assets.put("app.css", new File(bytes(OWN + "app.css"), "text/css; charset=utf-8", NO_CACHE));
        String uplot = webjar("org.webjars.npm", "uplot");
        assets.put("uPlot.iife.min.js", new File(bytes(uplot + "dist/uPlot.iife.min.js"), "text/javascript; charset=utf-8", CACHE_DAY));
        assets.put("uPlot.min.css", new File(bytes(uplot + "dist/uPlot.min.css"), "text/css; charset=utf-8", CACHE_DAY));
        String swagger = webjar("org.webjars", "swagger-ui");
        apiFiles.put("swagger-ui-bundle.js", new File(bytes(swagger + "swagger-ui-bundle.js"), "text/javascript; charset=utf-8", CACHE_DAY));
        apiFiles.put("swagger-ui.css", new File(bytes(swagger + "swagger-ui.css"), "text/css; charset=utf-8", CACHE_DAY));
        apiFiles.put("api.js", new File(bytes(OWN + "api.js"), "text/javascript; charset=utf-8", NO_CACHE));
        apiFiles.put("api.css", new File(bytes(OWN + "api.css"), "text/css; charset=utf-8", NO_CACHE));
    }

    File page() {
        return page;
    }

    File apiPage() {
        return apiPage;
    }

    Optional<File> asset(String name) {
        return Optional.ofNullable(assets.get(name));
    }

    Optional<File> apiFile(String name) {
        return Optional.ofNullable(apiFiles.get(name));
    }

    /** The resource folder of a WebJar, found through the version its Maven metadata names. */
    private static String webjar(String group, String artifact) {
        String props = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = StaticFiles.class.getResourceAsStream(props)) {
            if (in == null) {
                throw new IllegalStateException("the WebJar " + group + ":" + artifact + " is not on the class path (" + props + ")");
            }
            Properties p = new Properties();
            p.load(in);
            return "/META-INF/resources/webjars/" + artifact + "/" + p.getProperty("version") + "/";
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + props, e);
        }
    }

    private static String text(String resource) {
        return new String(bytes(resource), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = StaticFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard file " + resource + " is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }
}
