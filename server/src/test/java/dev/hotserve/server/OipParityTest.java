package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code action} output of OIP infer, batch 64, against PyTorch's float32 reference of each
 * fixture ({@code fixtures/sac/*.reference.json}), on both engines: within 1e-5, as the engines'
 * own parity tests.
 */
class OipParityTest {

    static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"actor_seed0.onnx", "actor_seed1.onnx", "actor_packed.onnx", "actor_seed0.pt", "actor_seed2.pt", "actor_packed.pt"})
    void theActionMatchesPyTorch(String fixture) {
        String stem = fixture.substring(0, fixture.lastIndexOf('.'));
        String ext = fixture.substring(fixture.lastIndexOf('.'));
        Oip.install(Checkpoints.fixture(fixture), dir, "model_1" + ext);
        JsonNode ref = Oip.reference(stem);
        JsonNode batch = ref.get("batch64");
        int k = ref.get("action_dim").asInt();
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            String inputName = TestServer.json(s.get("/v2/models/sac")).get("inputs").get(0).get("name").asText();
            JsonNode r = TestServer.json(s.post("/v2/models/sac/infer", Oip.infer(inputName, "FP32", new long[] {64, 28},
                    batch.get("inputs").toString(), ",\"outputs\":[{\"name\":\"action\"}]")));
            JsonNode action = r.get("outputs").get(0);
            assertThat(action.get("shape").toString()).isEqualTo("[64," + k + "]");
            for (int row = 0; row < 64; row++) {
                for (int j = 0; j < k; j++) {
                    assertThat(action.get("data").get(row * k + j).asDouble()).as("row %d action %d", row, j)
                            .isCloseTo(batch.get("action").get(row).get(j).asDouble(), within(TOLERANCE));
                }
            }
        }
    }
}
