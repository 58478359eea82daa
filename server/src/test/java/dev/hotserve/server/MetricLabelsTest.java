package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md over real HTTP: label values come only from configured models, known versions and
 * routes. A scan of 500 random model names (native and OIP routes, valid-looking and hostile)
 * adds no series to /metrics, and none of the names shows up in it.
 */
class MetricLabelsTest {

    @TempDir
    Path dir;

    private static long series(String metrics) {
        return metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();
    }

    @Test
    void fiveHundredRandomModelNamesAddNoSeries() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            // every route and status the scan will produce, once with the real model and once with one unknown name
            s.post("/sac/predict", TestServer.predictBody(28, 0.1));
            s.get("/nosuchmodel/health");
            s.post("/nosuchmodel/predict", "{}");
            s.get("/v2/models/nosuchmodel");
            s.post("/v2/models/nosuchmodel/infer", "{}");
            s.get("/metrics"); // the scrape itself is a route with a series of its own
            long before = series(s.get("/metrics").body());
            Random random = new Random(42);
            for (int i = 0; i < 500; i++) {
                String name = "m" + Long.toHexString(random.nextLong()) + (i % 5 == 0 ? "%3Cscript%3E" : "");
                assertThat(s.get("/" + name + "/health").statusCode()).isEqualTo(404);
                s.post("/" + name + "/predict", "{}");
                s.get("/v2/models/" + name);
                s.post("/v2/models/" + name + "/infer", "{}");
            }
            String after = s.get("/metrics").body();
            assertThat(series(after)).as("series after the scan").isEqualTo(before);
            assertThat(after).doesNotContain("script").doesNotContainPattern("model=\"m[0-9a-f]{6,}");
        }
    }
}
