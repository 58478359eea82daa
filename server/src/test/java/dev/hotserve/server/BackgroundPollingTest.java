package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/architecture.md, "The stages of a reload": in background mode with a poll interval, a newer checkpoint is loaded with no request at all. */
class BackgroundPollingTest {

    @TempDir
    Path dir;

    @Test
    void thePollerLoadsANewerFileWithoutTraffic() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(),
                "HOTSERVE_RELOAD_MODE", "background", "HOTSERVE_POLL_INTERVAL", "20ms"))) {
            Path second = Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
            // health never loads anything itself: only the poller can make it report the new file.
            await().atMost(Duration.ofSeconds(30)).until(() -> TestServer.json(s.get("/sac/health")).get("generation").asLong() == 2);
            JsonNode health = TestServer.json(s.get("/sac/health"));
            assertThat(health.get("model_path").asText()).isEqualTo(second.toString());
            JsonNode info = TestServer.json(s.get("/sac/model/info"));
            assertThat(info.get("mode").asText()).isEqualTo("background");
            assertThat(TestServer.json(s.get("/sac/model/events")).get(0).get("kind").asText()).isEqualTo("loaded");
        }
    }
}
