package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md (faults): a checkpoint whose mtime lies in the future is served if it is the newest,
 * but an event in the model's events route and a metric say so, since it hides every checkpoint
 * written after it until the clock passes it. Real server, real ONNX Runtime, real files.
 */
class FutureMtimeTest {

    @TempDir
    Path dir;

    @Test
    void aCheckpointDatedInTheFutureServesWithAnEventAndAMetricNamingIt() throws IOException {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Path future = Checkpoints.publish(dir, "actor_seed1.onnx", "model_2030.onnx", 2);
        Files.setLastModifiedTime(future, FileTime.from(Instant.now().plus(Duration.ofDays(1500))));
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            assertThat(s.get("/sac/model/info").body()).contains("model_2030");
            assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);
            String events = s.get("/sac/model/events").body();
            assertThat(events).contains("future_mtime").contains("model_2030").contains("in the future");
            assertThat(s.get("/metrics").body()).containsPattern("hotserve_reloads_total\\{[^}]*kind=\"future_mtime\"[^}]*\\} 1\\.0");
        }
    }
}
