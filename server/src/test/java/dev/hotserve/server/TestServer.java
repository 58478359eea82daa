package dev.hotserve.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotserve.server.config.ConfigException;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A real server on a free port, configured as the command line would be (environment map, no
 * flags), and a real HTTP/1.1 client talking to it.
 */
final class TestServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    static {
        // The test logging.properties (warnings only) rather than every INFO line of every server.
        io.helidon.logging.common.LogConfig.configureRuntime();
    }

    final HotserveServer server;
    final HttpClient client;
    final URI base;

    private TestServer(HotserveServer server) {
        this.server = server;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        this.base = URI.create("http://127.0.0.1:" + server.port());
    }

    /** A client of a server the test started itself (from a config it built). */
    static TestServer of(HotserveServer server) {
        return new TestServer(server);
    }

    /** Starts with these environment variables (HOTSERVE_PORT defaults to 0) in working directory {@code workDir}. */
    static TestServer start(Path workDir, Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        e.putIfAbsent("HOTSERVE_PORT", "0");
        e.putIfAbsent("HOTSERVE_GRPC_PORT", "off"); // the gRPC tests ask for port 0; the default 8081 would clash between tests
        try {
            return new TestServer(HotserveServer.start(ConfigLoader.load(Map.<Setting, String>of(), e, workDir)));
        } catch (ConfigException ex) {
            throw new AssertionError("test configuration refused: " + ex.getMessage(), ex);
        }
    }

    HttpResponse<String> get(String path, String... headers) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), headers);
    }

    HttpResponse<String> post(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json"), headers);
    }

    HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
        if (headers.length > 0) {
            b.headers(headers);
        }
        try {
            return client.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (status " + r.statusCode() + "): " + r.body(), e);
        }
    }

    /** A predict body with a state of {@code width} values. */
    static String predictBody(int width, double value) {
        StringBuilder b = new StringBuilder("{\"state\":[");
        for (int i = 0; i < width; i++) {
            b.append(i == 0 ? "" : ",").append(value);
        }
        return b.append("]}").toString();
    }

    @Override
    public void close() {
        server.stop();
    }
}
