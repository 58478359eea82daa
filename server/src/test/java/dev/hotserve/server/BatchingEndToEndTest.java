package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Dynamic batching" end to end, real ONNX Runtime: with batching on, concurrent clients each get exactly the
 * answer a server without batching gives for the same state (deterministic actions compared
 * exactly, seeded stochastic ones reproducible), and the metrics show calls that carried more than
 * one request.
 */
class BatchingEndToEndTest {

    @TempDir
    Path dir;

    static final int CLIENTS = 16;
    static final int PER_CLIENT = 40;

    static String body(int client, int i, boolean deterministic) {
        StringBuilder b = new StringBuilder("{\"state\":[");
        for (int c = 0; c < 28; c++) {
            b.append(c == 0 ? "" : ",").append(((client * 31 + i * 7 + c) % 23) / 10.0 - 1.1);
        }
        b.append("],\"deterministic\":").append(deterministic);
        if (!deterministic) {
            b.append(",\"seed\":").append(client * 1000 + i);
        }
        return b.append("}").toString();
    }

    /** What each client got, request by request: the action JSON text. */
    static List<List<String>> run(TestServer s) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<String>>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    go.await();
                    List<String> got = new ArrayList<>();
                    for (int i = 0; i < PER_CLIENT; i++) {
                        HttpResponse<String> r = s.post("/sac/predict", body(client, i, i % 2 == 0));
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                        got.add(TestServer.json(r).get("action").toString());
                    }
                    return got;
                }));
            }
            go.countDown();
            List<List<String>> all = new ArrayList<>();
            for (Future<List<String>> f : clients) {
                all.add(f.get(120, TimeUnit.SECONDS));
            }
            return all;
        }
    }

    @Test
    void concurrentAnswersWithBatchingEqualTheUnbatchedAnswers() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 0);
        List<List<String>> unbatched;
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            unbatched = run(s);
        }
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_MAX_BATCH_SIZE", "32"))) {
            JsonNode info = TestServer.json(s.get("/sac/model/info"));
            assertThat(info.at("/batching/max_batch_size").asInt()).isEqualTo(32);
            assertThat(info.at("/batching/enabled").asBoolean()).isTrue();
            JsonNode metadata = TestServer.json(s.get("/v2/models/sac"));
            assertThat(metadata.at("/parameters/max_batch_size").asText()).as("OIP metadata shows batching").isEqualTo("32");
            assertThat(metadata.at("/parameters/sha256").asText()).isEqualTo(info.get("sha256").asText());
            List<List<String>> batched = run(s);
            for (int c = 0; c < CLIENTS; c++) {
                assertThat(batched.get(c)).as("client %d", c).isEqualTo(unbatched.get(c));
            }
            String metrics = s.get("/metrics").body();
            assertThat(metrics).contains("hotserve_batch_rows_count{model=\"sac\"}");
            double calls = metric(metrics, "hotserve_batch_requests_count{model=\"sac\"}");
            double requests = metric(metrics, "hotserve_batch_requests_sum{model=\"sac\"}");
            assertThat(requests).as("every predict went through the batcher").isEqualTo(CLIENTS * PER_CLIENT);
            System.out.printf("batching e2e: %d requests in %.0f engine calls (mean %.2f per call)%n", CLIENTS * PER_CLIENT, calls,
                    requests / calls);
        }
    }

    @Test
    void withAnAdaptiveDelayALoneRequestDoesNotWaitForTheDelay() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 0);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_MAX_BATCH_SIZE", "32",
                "HOTSERVE_MAX_QUEUE_DELAY", "10m", "HOTSERVE_ADAPTIVE_QUEUE_DELAY", "true"))) {
            JsonNode info = TestServer.json(s.get("/sac/model/info"));
            assertThat(info.at("/batching/adaptive_queue_delay").asBoolean()).isTrue();
            assertThat(info.at("/batching/max_queue_delay_ms").asDouble()).isEqualTo(600_000.0);
            assertThat(TestServer.json(s.get("/v2/models/sac")).at("/parameters/adaptive_queue_delay").asText()).isEqualTo("true");
            ExecutorService one = Executors.newSingleThreadExecutor();
            try {
                // With Triton's semantics each of these would wait ten minutes for 31 more rows.
                for (int i = 0; i < 5; i++) {
                    Future<HttpResponse<String>> r = one.submit(() -> s.post("/sac/predict", TestServer.predictBody(28, 0.1)));
                    assertThat(r.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                }
            } finally {
                one.shutdownNow();
            }
            String metrics = s.get("/metrics").body();
            assertThat(metric(metrics, "hotserve_batch_requests_count{model=\"sac\"}")).as("engine calls, one per request").isEqualTo(5);
            assertThat(metric(metrics, "hotserve_batch_requests_sum{model=\"sac\"}")).isEqualTo(5);
        }
    }

    static double metric(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no series " + series + " in the scrape");
    }
}
