package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * the acceptance scenarios: the benchmark returns sane percentiles (p50 <= p90 <= p99 <= max) per batch size.
 *
 * <p>The ordering holds by construction (nearest ranks of one sorted array, see {@code BenchmarkTest}
 * for the ranks themselves), so what this test checks beyond it is that the figures are real
 * measurements of this request: the timed calls add up to no more than the client's own clock saw
 * for the whole request, and the throughput is the rows of those calls over their time.
 */
class Scenario5BenchmarkTest {

    @TempDir
    Path dir;

    @Test
    void benchmarkReportsOrderedPercentilesAndThroughputPerBatchSize() {
        Path file = Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = s.post("/sac/benchmark", "{\"batch_sizes\":[1,16],\"iterations\":50,\"warmup\":5}");
            double requestMs = (System.nanoTime() - t0) / 1e6;
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode j = TestServer.json(r);
            assertThat(j.get("model_path").asText()).isEqualTo(file.toString());
            assertThat(j.get("iterations").asInt()).isEqualTo(50);
            JsonNode results = j.get("results");
            assertThat(results).hasSize(2);
            assertThat(results.get(0).get("batch_size").asInt()).isEqualTo(1);
            assertThat(results.get(1).get("batch_size").asInt()).isEqualTo(16);
            double timedMs = 0;
            for (JsonNode b : results) {
                int batch = b.get("batch_size").asInt();
                double min = b.get("min_ms").asDouble();
                double p50 = b.get("p50_ms").asDouble();
                double p90 = b.get("p90_ms").asDouble();
                double p99 = b.get("p99_ms").asDouble();
                double max = b.get("max_ms").asDouble();
                double mean = b.get("mean_ms").asDouble();
                assertThat(min).isPositive();
                assertThat(min).isLessThanOrEqualTo(p50);
                assertThat(p50).isLessThanOrEqualTo(p90);
                assertThat(p90).isLessThanOrEqualTo(p99);
                assertThat(p99).isLessThanOrEqualTo(max);
                assertThat(mean).isBetween(min, max);
                assertThat(b.get("p50_ms").isFloatingPointNumber()).isTrue();
                // The slowest call took at most the whole request, as the client timed it: milliseconds, not µs or ns.
                assertThat(max).as("max_ms of batch %d within the request's %s ms", batch, requestMs).isLessThan(requestMs);
                // Throughput counts rows, over the timed calls only (not the warm-up): batch / mean.
                assertThat(b.get("throughput_per_s").asDouble()).as("rows/s of batch %d", batch)
                        .isCloseTo(batch * 1000.0 / mean, within(batch * 1000.0 / mean * 1e-6));
                timedMs += mean * 50;
            }
            // Every timed call of every batch size happened inside this request.
            assertThat(timedMs).as("50 timed calls per batch size within the request's %s ms", requestMs).isLessThan(requestMs);
        }
    }
}
