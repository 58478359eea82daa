package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** the acceptance scenarios: a forced reload re-reads the same path and raises the generation. */
class Scenario3ForcedReloadTest {

    @TempDir
    Path dir;

    @Test
    void forcedReloadReadsTheSameFileAgainAsANewGeneration() {
        Path file = Checkpoints.publish(dir, "actor_seed0.onnx", "policy.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL", file.toString()))) {
            assertThat(TestServer.json(s.get("/sac/model/info")).get("generation").asLong()).isEqualTo(1);

            HttpResponse<String> reload = s.post("/sac/model/reload", "");
            assertThat(reload.statusCode()).isEqualTo(200);
            JsonNode info = TestServer.json(reload);
            assertThat(info.get("path").asText()).isEqualTo(file.toString());
            assertThat(info.get("generation").asLong()).isEqualTo(2);
            assertThat(reload.headers().firstValue("X-Model-Generation")).contains("2");

            JsonNode predicted = TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.0)));
            assertThat(predicted.get("generation").asLong()).isEqualTo(2);
            assertThat(predicted.get("model_path").asText()).isEqualTo(file.toString());
            JsonNode newest = TestServer.json(s.get("/sac/model/events")).get(0);
            assertThat(newest.get("kind").asText()).isEqualTo("forced");
            assertThat(newest.get("new_generation").asLong()).isEqualTo(2);
        }
    }
}
