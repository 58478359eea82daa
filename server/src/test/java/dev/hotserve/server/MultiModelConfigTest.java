package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A config file mounts several models, each at its own name; a width-2 action is an array. */
class MultiModelConfigTest {

    @TempDir
    Path dir;

    @Test
    void eachConfiguredModelIsServedAtItsOwnName() throws Exception {
        Path sacDir = Files.createDirectory(dir.resolve("sac"));
        Path packedDir = Files.createDirectory(dir.resolve("packed"));
        Path sac = Checkpoints.publish(sacDir, "actor_seed0.onnx", "model_1.onnx", 1);
        Path packed = Checkpoints.publish(packedDir, "actor_packed.onnx", "policy.onnx", 1);
        Files.copy(Checkpoints.fixture("actor_packed.onnx.json"), packedDir.resolve("policy.onnx.json"));
        Path config = Files.writeString(dir.resolve("hotserve.yaml"), """
                models:
                  - name: sac
                    dir: sac
                  - name: hedger
                    path: packed/policy.onnx
                    reload_mode: background
                """);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_CONFIG", config.toString()))) {
            JsonNode a = TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.1)));
            assertThat(a.get("model_path").asText()).isEqualTo(sac.toString());
            assertThat(a.get("action").isNumber()).isTrue();

            JsonNode b = TestServer.json(s.post("/hedger/predict", TestServer.predictBody(28, 0.1)));
            assertThat(b.get("model_path").asText()).isEqualTo(packed.toString());
            assertThat(b.get("action").isArray()).isTrue();
            assertThat(b.get("action")).hasSize(2);
            JsonNode batch = TestServer.json(s.post("/hedger/predict/batch", "{\"states\":[" + Scenario4BatchValidationTest.row(28) + "]}"));
            assertThat(batch.get("actions").get(0)).hasSize(2);
            assertThat(TestServer.json(s.get("/hedger/model/info")).get("mode").asText()).isEqualTo("background");
            assertThat(s.get("/metrics").body()).contains("hotserve_model_generation{model=\"hedger\"} 1.0");
        }
    }
}
