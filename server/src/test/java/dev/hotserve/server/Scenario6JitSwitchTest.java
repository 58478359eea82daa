package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §7.6: HOTSERVE_JIT=1 is reported as jit_compiled: true (and 0 as false). */
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

    @Test
    void jitOffIsReportedAsFalse() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_JIT", "0"))) {
            assertThat(TestServer.json(s.post("/sac/predict", TestServer.predictBody(28, 0.2))).get("jit_compiled").asBoolean()).isFalse();
        }
    }
}
