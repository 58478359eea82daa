package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** the acceptance scenarios: an explicit file (HOTSERVE_MODEL) overrides the directory scan, even when the directory holds newer files. */
class Scenario7ExplicitFileOverridesDirTest {

    @TempDir
    Path root;

    @Test
    void explicitFileWinsOverANewerFileInTheDirectory() throws Exception {
        Path pinnedDir = Files.createDirectory(root.resolve("pinned"));
        Path scanned = Files.createDirectory(root.resolve("scanned"));
        Path explicit = Checkpoints.publish(pinnedDir, "actor_seed0.onnx", "chosen.onnx", 1);
        Checkpoints.publish(scanned, "actor_seed1.onnx", "model_2.onnx", 5);
        try (TestServer s = TestServer.start(root, Map.of("HOTSERVE_MODEL_DIR", scanned.toString(), "HOTSERVE_MODEL", explicit.toString()))) {
            JsonNode j = TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.3)));
            assertThat(j.get("model_path").asText()).isEqualTo(explicit.toString());
            Checkpoints.publish(scanned, "actor_seed2.onnx", "model_3.onnx", 6);
            assertThat(TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.3))).get("model_path").asText())
                    .isEqualTo(explicit.toString());
            assertThat(TestServer.json(s.get("/sac/model/info")).get("source").asText()).contains(explicit.toString());
        }
    }
}
