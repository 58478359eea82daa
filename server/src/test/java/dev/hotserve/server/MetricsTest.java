package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README, "Configuration": /metrics in the Prometheus text format: requests, reloads by kind, failures, generation, load time, checkpoint age. */
class MetricsTest {

    @TempDir
    Path dir;

    @Test
    void metricsCountRequestsReloadsAndFailuresPerModel() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);
            assertThat(s.post("/sac/predict", "{\"state\":[1]}").statusCode()).isEqualTo(400);
            assertThat(s.post("/sac/model/reload", "").statusCode()).isEqualTo(200);
            Checkpoints.publishBytes(dir, new byte[] {1, 2, 3}, "model_2.onnx", 2);
            assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);

            // The refused load's event reaches the meters on a loader thread (the server's followUpOnLoader),
            // possibly after the request it answered: wait for that event, not for time.
            await().until(() -> s.get("/metrics").body().contains("hotserve_reloads_total{kind=\"failed\",model=\"sac\"}"));
            HttpResponse<String> r = s.get("/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
            String text = r.body();
            assertThat(text)
                    .contains("hotserve_requests_seconds_count{model=\"sac\",route=\"/predict\",status=\"200\"} 2")
                    .contains("hotserve_requests_seconds_count{model=\"sac\",route=\"/predict\",status=\"400\"} 1")
                    .contains("hotserve_requests_seconds_bucket{model=\"sac\",route=\"/predict\",status=\"200\",le=")
                    .contains("hotserve_reloads_total{kind=\"loaded\",model=\"sac\"} 1.0")
                    .contains("hotserve_reloads_total{kind=\"forced\",model=\"sac\"} 1.0")
                    .contains("hotserve_reloads_total{kind=\"failed\",model=\"sac\"} 1.0")
                    .contains("hotserve_load_failures_total{model=\"sac\"} 1.0")
                    .contains("hotserve_model_generation{model=\"sac\"} 2.0")
                    .contains("hotserve_model_loaded{model=\"sac\"} 1.0")
                    .contains("hotserve_model_load_seconds_count{model=\"sac\"} 2")
                    .contains("hotserve_checkpoint_age_seconds{model=\"sac\"}");
        }
    }
}
