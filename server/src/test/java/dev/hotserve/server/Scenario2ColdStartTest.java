package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** the acceptance scenarios: no checkpoint at start: health answers, model routes answer 503; a file appears, the next request is served. */
class Scenario2ColdStartTest {

    @TempDir
    Path dir;

    @Test
    void startsWithoutACheckpointAnswers503ThenServesTheFirstFileThatAppears() {
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            HttpResponse<String> health = s.get("/sac/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(health).get("loaded").asBoolean()).isFalse();
            assertThat(TestServer.json(health).get("status").asText()).isEqualTo("no_model");

            HttpResponse<String> predict = s.post("/sac/predict", TestServer.predictBody(28, 0.1));
            assertThat(predict.statusCode()).isEqualTo(503);
            // Names what is watched and why nothing serves.
            assertThat(TestServer.json(predict).get("detail").asText())
                    .contains("no loaded checkpoint")
                    .contains("no checkpoint found at directory " + dir);
            HttpResponse<String> info = s.get("/sac/model/info");
            assertThat(info.statusCode()).isEqualTo(503);
            assertThat(TestServer.json(info).get("loaded").asBoolean()).isFalse();
            assertThat(s.post("/sac/predict/batch", "{\"states\":[[1]]}").statusCode()).isEqualTo(503);

            Path first = Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);

            HttpResponse<String> served = s.post("/sac/predict", TestServer.predictBody(28, 0.1));
            assertThat(served.statusCode()).isEqualTo(200);
            JsonNode j = TestServer.json(served);
            assertThat(j.get("model_path").asText()).isEqualTo(first.toString());
            assertThat(j.get("generation").asLong()).isEqualTo(1);
            assertThat(TestServer.json(s.get("/sac/health")).get("loaded").asBoolean()).isTrue();
        }
    }
}
