package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.ModelSource;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md end to end, real servers on real ports with real ONNX checkpoints: the stable
 * version a rollout writes down belongs to its model <em>and</em> its source. A second deployment
 * of the same model name sharing the state directory, or the same deployment after its
 * {@code dir} changed, serves its own source's checkpoint, never the one another source wrote down.
 */
class StableVersionTrustTest {

    private static final String ADMIN = "admin-secret";

    @TempDir
    Path d1;

    @TempDir
    Path d2;

    @TempDir
    Path state;

    private Map<String, String> env(Path dir) {
        return Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_ROLLOUT", "shadow", "HOTSERVE_SHADOW_SAMPLES", "100000",
                "HOTSERVE_STATE_DIR", state.toString(), "HOTSERVE_ADMIN_KEY", ADMIN);
    }

    /** Server A follows d1, promotes model_2 there (so its stable version is written down), then stops. */
    private void promoteInD1() throws Exception {
        Checkpoints.publish(d1, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer a = TestServer.start(d1, env(d1))) {
            assertThat(a.post("/sac/predict", TestServer.predictBody(28, 0.3)).statusCode()).isEqualTo(200);
            Checkpoints.publish(d1, "actor_seed1.onnx", "model_2.onnx", 2);
            assertThat(a.post("/sac/predict", TestServer.predictBody(28, 0.3)).statusCode()).isEqualTo(200);
            HttpResponse<String> promoted = a.post("/sac/model/promote", "", "Authorization", "Bearer " + ADMIN);
            assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        }
        try (Stream<Path> written = Files.list(state)) {
            assertThat(written.map(p -> p.getFileName().toString())).as("A wrote its stable version down")
                    .contains(ConfigLoader.stateFileName("sac", new ModelSource.Directory(d1, Optional.empty())));
        }
    }

    private static void assertServesFrom(TestServer s, Path dir, String file) {
        HttpResponse<String> r = s.post("/sac/predict", TestServer.predictBody(28, 0.3));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Model-Path").orElseThrow()).isEqualTo(dir.resolve(file).toAbsolutePath().toString());
    }

    @Test
    void aSecondDeploymentOfTheSameNameServesItsOwnSourceNotTheStableVersionAnotherWroteDown() throws Exception {
        promoteInD1();
        Checkpoints.publish(d2, "actor_seed2.onnx", "model_9.onnx", 1);
        try (TestServer b = TestServer.start(d2, env(d2))) {
            assertServesFrom(b, d2, "model_9.onnx");
            assertThat(TestServer.json(b.get("/sac/model/info")).get("path").asText()).startsWith(d2.toAbsolutePath().toString());
        }
    }

    @Test
    void aRecordNamingAnotherSourcesCheckpointIsIgnoredWithAnEvent() throws Exception {
        promoteInD1();
        // The worst case: d1's record under the very name d2's deployment reads (copied by hand,
        // or keyed by an older version). The record itself is checked before anything loads.
        Path mine = state.resolve(ConfigLoader.stateFileName("sac", new ModelSource.Directory(d2, Optional.empty())));
        Files.copy(state.resolve(ConfigLoader.stateFileName("sac", new ModelSource.Directory(d1, Optional.empty()))), mine);
        Checkpoints.publish(d2, "actor_seed2.onnx", "model_9.onnx", 1);
        try (TestServer b = TestServer.start(d2, env(d2))) {
            assertServesFrom(b, d2, "model_9.onnx");
            JsonNode events = TestServer.json(b.get("/sac/model/events"));
            assertThat(events.findValuesAsText("kind")).contains("restore_ignored");
            assertThat(events.toString()).contains("was written for directory " + d1.toAbsolutePath());
        }
    }

    @Test
    void theSameDeploymentRestoresItsStableVersionButNotOnceItsBytesChanged() throws Exception {
        promoteInD1();
        Checkpoints.publish(d1, "actor_seed2.onnx", "model_3.onnx", 3);
        try (TestServer again = TestServer.start(d1, env(d1))) {
            assertServesFrom(again, d1, "model_2.onnx"); // the restart during a rollout serves stable, not the newest
        }
        // model_2.onnx rewritten in place with other bytes: the record no longer describes it.
        Checkpoints.publish(d1, "actor_seed0.onnx", "model_2.onnx", 2);
        try (TestServer changed = TestServer.start(d1, env(d1))) {
            assertServesFrom(changed, d1, "model_3.onnx");
            JsonNode events = TestServer.json(changed.get("/sac/model/events"));
            assertThat(events.toString()).contains("restore_ignored").contains("has changed since it was written down");
        }
    }
}
