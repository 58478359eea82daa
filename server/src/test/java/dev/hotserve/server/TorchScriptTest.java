package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TorchScript checkpoint with its {@code .pt.json} sidecar is served through the real libtorch engine. */
class TorchScriptTest {

    @TempDir
    Path dir;

    @Test
    void aTorchScriptCheckpointServesTheReferenceAction() throws Exception {
        Path pt = Checkpoints.publish(dir, "actor_seed0.pt", "model_1.pt", 1);
        Files.copy(Checkpoints.fixture("actor_seed0.pt.json"), dir.resolve("model_1.pt.json"));
        JsonNode ref = TestServer.JSON.readTree(Checkpoints.fixture("actor_seed0.reference.json").toFile()).get("batch1");
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL", pt.toString()))) {
            JsonNode info = TestServer.json(s.get("/sac/model/info"));
            assertThat(info.get("engine").asText()).isEqualTo("torchscript");
            assertThat(info.get("state_dim").asInt()).isEqualTo(28);
            JsonNode j = TestServer.json(s.post("/sac/predict", "{\"state\":" + ref.get("inputs").get(0) + "}"));
            assertThat(j.get("model_path").asText()).isEqualTo(pt.toString());
            assertThat(j.get("action").asDouble()).isCloseTo(ref.get("action").get(0).get(0).asDouble(), within(1e-4));
        }
    }

    @Test
    void itsTritonConfigurationNamesLibtorch() throws Exception {
        Path pt = Checkpoints.publish(dir, "actor_seed0.pt", "model_1.pt", 1);
        Files.copy(Checkpoints.fixture("actor_seed0.pt.json"), dir.resolve("model_1.pt.json"));
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL", pt.toString()))) {
            JsonNode c = TestServer.json(s.get("/v2/models/sac/config"));
            // Triton's names in a model configuration; the metadata's platform stays pytorch_torchscript (SPEC §8).
            assertThat(c.get("platform").asText()).isEqualTo("pytorch_libtorch");
            assertThat(c.get("backend").asText()).isEqualTo("pytorch");
            assertThat(TestServer.json(s.get("/v2/models/sac")).get("platform").asText()).isEqualTo("pytorch_torchscript");
            assertThat(c.get("input").get(0).get("data_type").asText()).isEqualTo("TYPE_FP32");
        }
    }
}
