package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/architecture.md, "A model's states": history and events newest first; rollback pins an earlier version; unpin follows the newest file again. */
class RollbackTest {

    @TempDir
    Path dir;

    @Test
    void rollbackPinsAnEarlierVersionAndUnpinFollowsTheNewestAgain() throws Exception {
        Path v1 = Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            Path v2 = Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
            assertThat(TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0))).get("generation").asLong()).isEqualTo(2);

            JsonNode history = TestServer.json(s.get("/sac/model/history"));
            assertThat(history).hasSize(2);
            assertThat(history.get(0).get("path").asText()).isEqualTo(v2.toString());
            assertThat(history.get(1).get("generation").asLong()).isEqualTo(1);
            assertThat(history.get(1).get("sha256").asText()).hasSize(64);

            HttpResponse<String> rolled = s.post("/sac/model/rollback", "{\"generation\":1}");
            assertThat(rolled.statusCode()).isEqualTo(200);
            JsonNode info = TestServer.json(rolled);
            assertThat(info.get("path").asText()).isEqualTo(v1.toString());
            assertThat(info.get("generation").asLong()).isEqualTo(3);
            assertThat(info.get("pinned").asBoolean()).isTrue();

            Path v3 = Checkpoints.publish(dir, "actor_seed2.onnx", "model_3.onnx", 3);
            assertThat(TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0))).get("model_path").asText())
                    .isEqualTo(v1.toString());

            HttpResponse<String> unpinned = s.post("/sac/model/unpin", "");
            assertThat(unpinned.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(unpinned).get("pinned").asBoolean()).isFalse();
            assertThat(TestServer.json(unpinned).get("path").asText()).isEqualTo(v3.toString());

            List<String> kinds = new ArrayList<>();
            TestServer.json(s.get("/sac/model/events")).forEach(e -> kinds.add(e.get("kind").asText()));
            assertThat(kinds).containsSubsequence("loaded", "unpinned", "pinned", "rolled_back", "loaded", "loaded");
        }
    }

    @Test
    void rollbackToAnUnknownGenerationIs404AndToADeletedFileIs409() throws Exception {
        Path v1 = Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            HttpResponse<String> unknown = s.post("/sac/model/rollback", "{\"generation\":99}");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(TestServer.json(unknown).get("detail").asText()).contains("99");

            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
            assertThat(TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0))).get("generation").asLong()).isEqualTo(2);
            Files.delete(v1);
            HttpResponse<String> gone = s.post("/sac/model/rollback", "{\"generation\":1}");
            assertThat(gone.statusCode()).isEqualTo(409);
            assertThat(TestServer.json(gone).get("detail").asText()).contains("model_1.onnx");
            assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0)).statusCode()).isEqualTo(200);
        }
    }
}
