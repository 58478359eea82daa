package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md over real HTTP: every response under {@code /ui} (the page, its files, the API
 * explorer, the event stream, redirects and 404s) carries a Content-Security-Policy with no
 * inline script or style, no eval and no framing, plus nosniff and no-referrer; and the pages
 * themselves hold no inline script that such a policy would have to allow.
 */
class DashboardHeadersTest {

    @TempDir
    Path dir;

    @Test
    void everyUiResponseCarriesTheSecurityHeaders() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            HttpClient client = HttpClient.newHttpClient(); // follows no redirects: the 302 itself is checked
            for (String path : List.of("/", "/ui", "/ui/", "/ui/assets/app.js", "/ui/assets/app.css", "/ui/assets/uPlot.iife.min.js",
                    "/ui/api/", "/ui/api/api.js", "/ui/api/swagger-ui-bundle.js", "/ui/assets/nope.js", "/ui/nope", "/ui/stream")) {
                HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(s.base.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                r.body().close(); // the stream never ends by itself
                String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
                assertThat(csp).as(path + " (" + r.statusCode() + ")").contains("script-src 'self'").contains("frame-ancestors 'none'")
                        .contains("style-src 'self'").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
                assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).contains("nosniff");
                assertThat(r.headers().firstValue("Referrer-Policy")).as(path).contains("no-referrer");
            }
            for (String page : List.of("/ui/", "/ui/api/")) {
                String html = s.get(page).body();
                assertThat(html).as(page).doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>").doesNotContain("<style").doesNotContain(" style=")
                        .doesNotContainPattern("\\son[a-z]+=");
            }
            assertThat(s.get("/sac/health").headers().firstValue("Content-Security-Policy")).as("only the dashboard's answers").isEmpty();
        }
    }
}
