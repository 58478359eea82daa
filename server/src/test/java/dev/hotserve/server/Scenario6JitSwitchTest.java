package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** the acceptance scenarios: HOTSERVE_JIT=1 is reported as jit_compiled: true (and 0 as false). */
class Scenario6JitSwitchTest {

    @TempDir
    Path dir;

    @Test
    void jitOnIsReportedByInfoAndPredict() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_JIT", "1"))) {
            assertThat(TestServer.json(s.get("/sac/model/info")).get("jit_compiled").asBoolean()).isTrue();
            assertThat(TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.2))).get("jit_compiled").asBoolean()).isTrue();
        }
    }

    /**
     * Issue 8: a pickup does not wait for ONNX Runtime's optimiser. The new checkpoint is swapped in
     * unoptimised (the history keeps it as it was swapped in) and the same file, optimised, replaces
     * it under the same generation; the answers stay the same.
     */
    @Test
    void aPickupIsOptimisedAfterItsSwapUnderTheSameGeneration() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_JIT", "1"))) {
            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
            JsonNode first = TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.2)));
            assertThat(first.get("model_path").asText()).endsWith("model_2.onnx");
            assertThat(first.get("generation").asLong()).isEqualTo(2);

            await().atMost(Duration.ofSeconds(30)).until(() -> TestServer.json(s.get("/sac/model/info")).get("jit_compiled").asBoolean());

            assertThat(TestServer.json(s.get("/sac/model/info")).get("generation").asLong()).isEqualTo(2);
            JsonNode swappedIn = null;
            for (JsonNode v : TestServer.json(s.get("/sac/model/history"))) {
                if (v.get("generation").asLong() == 2) {
                    swappedIn = v;
                }
            }
            assertThat(swappedIn).as("generation 2 in the history").isNotNull();
            assertThat(swappedIn.get("jit_compiled").asBoolean()).as("swapped in unoptimised").isFalse();
            JsonNode again = TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.2)));
            assertThat(again.get("generation").asLong()).isEqualTo(2);
            assertThat(again.get("jit_compiled").asBoolean()).isTrue();
            assertThat(again.get("action").asDouble()).isCloseTo(first.get("action").asDouble(), within(1e-5));
        }
    }

    @Test
    void jitOffIsReportedAsFalse() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_JIT", "0"))) {
            assertThat(TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.2))).get("jit_compiled").asBoolean()).isFalse();
        }
    }
}
