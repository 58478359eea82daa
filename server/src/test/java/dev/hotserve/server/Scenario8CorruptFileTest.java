package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** the acceptance scenarios: a corrupt newest file never takes the model down; fixing it resumes reloads. */
class Scenario8CorruptFileTest {

    @TempDir
    Path dir;

    @Test
    void aCorruptNewestFileIsRefusedTheOldModelServesAndAFixedFileLoads() {
        Path good = Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        byte[] bytes = Checkpoints.read(Checkpoints.fixture("actor_seed1.onnx"));
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            assertThat(TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.1))).get("generation").asLong()).isEqualTo(1);

            Path corrupt = Checkpoints.publishBytes(dir, Arrays.copyOf(bytes, bytes.length / 3), "model_2.onnx", 2);

            HttpResponse<String> still = s.post("/sac/predict", TestServer.predictBody(28, 0.1));
            assertThat(still.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(still).get("model_path").asText()).isEqualTo(good.toString());
            JsonNode info = TestServer.json(s.get("/sac/model/info"));
            assertThat(info.get("path").asText()).isEqualTo(good.toString());
            assertThat(info.get("last_error").get("path").asText()).isEqualTo(corrupt.toString());
            // Names the file and why it was refused: a third of an ONNX model is not a whole one.
            assertThat(info.get("last_error").get("reason").asText())
                    .contains(corrupt.toString())
                    .containsPattern("is not a whole ONNX file: .*(needs \\d+ bytes|ends inside)");
            HttpResponse<String> forced = s.post("/sac/model/reload", "");
            assertThat(forced.statusCode()).isEqualTo(409);
            assertThat(TestServer.json(forced).get("detail").asText()).contains(corrupt.toString()).contains("is not a whole ONNX file");

            Path fixed = Checkpoints.publishBytes(dir, bytes, "model_2.onnx", 3);

            JsonNode after = TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.1)));
            assertThat(after.get("model_path").asText()).isEqualTo(fixed.toString());
            assertThat(after.get("model_mtime_utc").asText()).isEqualTo(Checkpoints.mtime(3).toString());
            assertThat(after.get("generation").asLong()).isEqualTo(2);
        }
    }
}
