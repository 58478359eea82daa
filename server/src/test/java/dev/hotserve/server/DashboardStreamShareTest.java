package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md over real HTTP: with no key set, one client cannot hold every dashboard stream. It
 * gets its share (8) and the next is a 503 saying so.
 */
class DashboardStreamShareTest {

    @TempDir
    Path dir;

    @Test
    void oneClientHoldsAtMostItsShareOfStreams() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest stream = HttpRequest.newBuilder(s.base.resolve("/ui/stream")).timeout(Duration.ofSeconds(30)).build();
            List<HttpResponse<InputStream>> open = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    HttpResponse<InputStream> r = client.send(stream, HttpResponse.BodyHandlers.ofInputStream());
                    assertThat(r.statusCode()).as("stream " + i).isEqualTo(200);
                    open.add(r);
                }
                HttpResponse<String> refused = client.send(stream, HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.body()).contains("this client already has 8 dashboard streams open");
                assertThat(s.get("/sac/health").statusCode()).as("everything else still answers").isEqualTo(200);
            } finally {
                for (HttpResponse<InputStream> r : open) {
                    r.body().close();
                }
            }
        }
    }
}
