package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** the acceptance scenarios: write checkpoint 1, predict (names it); write a newer checkpoint 2; the next request names it. */
class Scenario1HotReloadTest {

    @TempDir
    Path dir;

    @Test
    void aNewerCheckpointAnswersTheNextRequestWithoutRestartOrReloadCall() throws IOException {
        Path first = Checkpoints.publish(dir, "actor_seed0.onnx", "model_2026-04-01.onnx", 1);
        JsonNode ref0 = TestServer.JSON.readTree(Checkpoints.fixture("actor_seed0.reference.json").toFile()).get("batch1");
        JsonNode ref1 = TestServer.JSON.readTree(Checkpoints.fixture("actor_seed1.reference.json").toFile()).get("batch1");
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            String body0 = "{\"state\":" + ref0.get("inputs").get(0) + "}";
            HttpResponse<String> r1 = s.post("/sac/predict", body0);
            assertThat(r1.statusCode()).isEqualTo(200);
            JsonNode j1 = TestServer.json(r1);
            assertThat(j1.get("model_path").asText()).isEqualTo(first.toString());
            assertThat(j1.get("generation").asLong()).isEqualTo(1);
            assertThat(j1.get("action").isNumber()).isTrue();
            assertThat(j1.get("action").asDouble()).isCloseTo(ref0.get("action").get(0).get(0).asDouble(), within(1e-4));
            assertThat(r1.headers().firstValue("X-Model-Path")).contains(first.toString());
            assertThat(r1.headers().firstValue("X-Model-Generation")).contains("1");

            Path second = Checkpoints.publish(dir, "actor_seed1.onnx", "model_2026-04-02.onnx", 2);

            String body1 = "{\"state\":" + ref1.get("inputs").get(0) + "}";
            JsonNode j2 = TestServer.json(s.post("/sac/predict", body1));
            assertThat(j2.get("model_path").asText()).isEqualTo(second.toString());
            assertThat(j2.get("generation").asLong()).isEqualTo(2);
            assertThat(j2.get("model_mtime_utc").asText()).isEqualTo(Checkpoints.mtime(2).toString());
            assertThat(j2.get("action").asDouble()).isCloseTo(ref1.get("action").get(0).get(0).asDouble(), within(1e-4));
            assertThat(TestServer.json(s.get("/sac/model/info")).get("path").asText()).isEqualTo(second.toString());
        }
    }
}
