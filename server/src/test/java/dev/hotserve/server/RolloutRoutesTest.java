package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Rolling out a new policy safely" over HTTP with real ONNX checkpoints: a shadow rollout shows in the info route and the
 * metrics, the admin promotes by hand, the stable version is written down, and the reload log
 * tells the story.
 */
class RolloutRoutesTest {

    @TempDir
    Path dir;

    @TempDir
    Path state;

    @Test
    void aShadowRolloutIsVisibleAndCanBePromotedByTheAdmin() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_ROLLOUT", "shadow", "HOTSERVE_SHADOW_SAMPLES",
                "100000", "HOTSERVE_STATE_DIR", state.toString(), "HOTSERVE_ADMIN_KEY", "admin-secret");
        try (TestServer s = TestServer.start(dir, env)) {
            String body = TestServer.predictBody(28, 0.3);
            assertThat(s.post("/sac/predict", body).headers().firstValue("X-Model-Path").orElseThrow()).endsWith("model_1.onnx");
            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = s.post("/sac/predict", body, "X-Routing-Key", "client-" + i);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("X-Model-Path").orElseThrow()).as("stable answers during shadow").endsWith("model_1.onnx");
            }
            JsonNode info = TestServer.json(s.get("/sac/model/info"));
            assertThat(info.at("/rollout/mode").asText()).isEqualTo("shadow");
            assertThat(info.at("/rollout/phase").asText()).isEqualTo("shadow");
            assertThat(info.at("/rollout/candidate/version").asText()).isEqualTo("model_2");
            assertThat(info.at("/rollout/stable_traffic/requests").asLong()).isGreaterThanOrEqualTo(20);
            assertThat(info.at("/version").asText()).isEqualTo("model_1");

            assertThat(s.post("/sac/model/promote", "").statusCode()).as("admin only").isEqualTo(401);
            HttpResponse<String> promoted = s.post("/sac/model/promote", "", "Authorization", "Bearer admin-secret");
            assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
            JsonNode after = TestServer.json(promoted);
            assertThat(after.at("/version").asText()).isEqualTo("model_2");
            assertThat(after.at("/rollout/phase").asText()).isEqualTo("guard");
            assertThat(after.at("/rollout/previous/version").asText()).isEqualTo("model_1");
            assertThat(s.post("/sac/predict", body).headers().firstValue("X-Model-Path").orElseThrow()).endsWith("model_2.onnx");

            HttpResponse<String> none = s.post("/sac/model/reject", "", "Authorization", "Bearer admin-secret");
            assertThat(none.statusCode()).isEqualTo(409);
            assertThat(TestServer.json(none).get("detail").asText()).contains("no candidate");

            JsonNode events = TestServer.json(s.get("/sac/model/events"));
            assertThat(events.get(0).get("kind").asText()).isEqualTo("promoted");
            assertThat(events.get(1).get("kind").asText()).isEqualTo("candidate");
            String metrics = s.get("/metrics").body();
            assertThat(metrics).contains("hotserve_rollout_phase{model=\"sac\"} 3.0");
            assertThat(metrics).contains("hotserve_rollout_drift{model=\"sac\",quantile=\"0.99\"}");
            String written = Files.readString(state.resolve(
                    dev.hotserve.server.config.ConfigLoader.stateFileName("sac", new dev.hotserve.server.config.ModelSource.Directory(dir, java.util.Optional.empty()))));
            assertThat(written).contains("\"version\" : \"model_2\"");
        }
    }
}
