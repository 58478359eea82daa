package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollout (README, "Rolling out a new policy safely") watches OIP requests that ask for the model's raw outputs as closely as it
 * watches actions: a real server, real ONNX checkpoints, and a candidate that answers NaN for a
 * state whose first value is negative. One scenario per test.
 */
class OipRawOutputsRolloutTest {

    @TempDir
    Path dir;

    @TempDir
    Path state;

    /** An OIP infer of one 28-wide state whose first value is {@code first}, asking for the raw {@code mean} only. */
    static String meanOf(double first) {
        String values = Oip.values(28).replaceFirst("^\\[0\\.0", "[" + first);
        return Oip.infer("state", "FP32", new long[] {1, 28}, values, ",\"outputs\":[{\"name\":\"mean\"}]");
    }

    static String versionOf(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.json(r).get("model_version").asText();
    }

    @Test
    void aNonFiniteRawOutputDuringTheGuardIsWithheldAndRollsBack() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_ROLLOUT", "shadow", "HOTSERVE_SHADOW_SAMPLES",
                "100000", "HOTSERVE_STATE_DIR", state.toString(), "HOTSERVE_ADMIN_KEY", "admin-secret");
        try (TestServer s = TestServer.start(dir, env)) {
            assertThat(versionOf(s.post("/v2/models/sac/infer", meanOf(0.5)))).isEqualTo("model_1");
            Checkpoints.publish(dir, "actor_seed0_nan_when_negative.onnx", "model_2.onnx", 2);
            assertThat(versionOf(s.post("/v2/models/sac/infer", meanOf(0.5)))).as("stable answers; model_2 loads beside it")
                    .isEqualTo("model_1");
            HttpResponse<String> promoted = s.post("/sac/model/promote", "", "Authorization", "Bearer admin-secret");
            assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
            assertThat(versionOf(s.post("/v2/models/sac/infer", meanOf(0.5)))).as("fine on this state").isEqualTo("model_2");

            HttpResponse<String> stray = s.post("/v2/models/sac/infer", meanOf(-0.5));

            assertThat(stray.statusCode()).as(stray.body()).isEqualTo(500);
            assertThat(TestServer.json(stray).get("error").asText()).contains("model_2").contains("non-finite")
                    .contains("rolled back to model_1");
            assertThat(versionOf(s.post("/v2/models/sac/infer", meanOf(-0.5)))).as("the previous version answers at once")
                    .isEqualTo("model_1");
            JsonNode events = TestServer.json(s.get("/sac/model/events"));
            assertThat(events.get(0).get("kind").asText()).isEqualTo("auto_rolled_back");
        }
    }

    @Test
    void rawOutputRequestsAreShadowedAndACandidateNanOnSomeOfThemIsRejected() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_ROLLOUT", "shadow", "HOTSERVE_SHADOW_SAMPLES",
                "20", "HOTSERVE_STATE_DIR", state.toString());
        try (TestServer s = TestServer.start(dir, env)) {
            assertThat(versionOf(s.post("/v2/models/sac/infer", meanOf(0.5)))).isEqualTo("model_1");
            Checkpoints.publish(dir, "actor_seed0_nan_when_negative.onnx", "model_2.onnx", 2);
            for (int i = 0; i < 20; i++) {
                assertThat(versionOf(s.post("/v2/models/sac/infer", meanOf(i % 2 == 0 ? 0.5 : -0.5))))
                        .as("stable answers every request during shadow").isEqualTo("model_1");
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> TestServer.json(s.get("/sac/model/events")).get(0).get("kind").asText(),
                    "rejected"::equals);
            String reason = TestServer.json(s.get("/sac/model/events")).get(0).get("reason").asText();
            assertThat(reason).contains("model_2").contains("20 comparisons").contains("10 non-finite outputs");
            assertThat(versionOf(s.post("/v2/models/sac/infer", meanOf(-0.5)))).isEqualTo("model_1");
        }
    }
}
