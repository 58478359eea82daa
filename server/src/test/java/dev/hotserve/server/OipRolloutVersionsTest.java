package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OIP version labels during a rollout (README, "The Open Inference Protocol", README, "Rolling out a new policy safely"): {@code candidate} and the candidate's name reach the candidate. */
class OipRolloutVersionsTest {

    @TempDir
    Path dir;

    @TempDir
    Path state;

    @Test
    void duringAShadowRolloutTheCandidateLabelAndNameAnswerFromTheCandidate() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_ROLLOUT", "shadow", "HOTSERVE_SHADOW_SAMPLES",
                "100000", "HOTSERVE_STATE_DIR", state.toString());
        try (TestServer s = TestServer.start(dir, env)) {
            String body = Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), ",\"outputs\":[{\"name\":\"action\"}]");
            assertThat(s.get("/v2/models/sac/versions/candidate").statusCode()).as("no rollout yet").isEqualTo(404);
            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
            // A request notices the new file; in shadow mode it loads beside the stable version, which answers.
            assertThat(TestServer.json(s.post("/v2/models/sac/infer", body)).get("model_version").asText()).isEqualTo("model_1");

            HttpResponse<String> meta = s.get("/v2/models/sac/versions/candidate");
            assertThat(meta.statusCode()).as(meta.body()).isEqualTo(200);
            assertThat(TestServer.json(meta).get("versions")).extracting(JsonNode::asText).containsExactly("model_2");

            HttpResponse<String> byLabel = s.post("/v2/models/sac/versions/candidate/infer", body);
            assertThat(TestServer.json(byLabel).get("model_version").asText()).isEqualTo("model_2");
            assertThat(byLabel.headers().firstValue("X-Model-Version")).contains("model_2");
            assertThat(TestServer.json(s.post("/v2/models/sac/versions/model_2/infer", body)).get("model_version").asText())
                    .isEqualTo("model_2");
            assertThat(TestServer.json(s.post("/v2/models/sac/versions/stable/infer", body)).get("model_version").asText())
                    .isEqualTo("model_1");
            assertThat(s.get("/v2/models/sac/versions/model_2/ready").statusCode()).isEqualTo(200);

            HttpResponse<String> unknown = s.post("/v2/models/sac/versions/model_9/infer", body);
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(TestServer.json(unknown).get("error").asText()).contains("loaded versions: model_1, model_2");
        }
    }
}
