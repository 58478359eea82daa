package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * the acceptance scenarios: eight clients hammer predict while a writer publishes 50 checkpoints. Every request
 * gets 200, every answer names a checkpoint that was published, and no client ever sees the
 * generation go backwards.
 */
class Scenario9SwapsUnderLoadTest {

    private static final int CLIENTS = 8;
    private static final int SWAPS = 50;
    private static final String[] SEEDS = {"actor_seed0.onnx", "actor_seed1.onnx", "actor_seed2.onnx"};

    @TempDir
    Path dir;

    /** What one client saw. */
    record Seen(int requests, List<String> failures) {}

    @Test
    void fiftySwapsUnderConcurrentLoadLoseNoRequest() throws Exception {
        Set<String> published = ConcurrentHashMap.newKeySet();
        published.add(Checkpoints.publish(dir, SEEDS[0], "model_0000.onnx", 0).toString());
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
                ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1)) {
            AtomicBoolean writerDone = new AtomicBoolean();
            CountDownLatch go = new CountDownLatch(1);
            String body = TestServer.predictBody(28, 0.05);
            List<Future<Seen>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(pool.submit(() -> {
                    go.await();
                    List<String> failures = new ArrayList<>();
                    long lastGeneration = 0;
                    int n = 0;
                    // Keep going until the writer is done, and a few requests more so the last swap is exercised.
                    for (int after = 0; after < 5; n++) {
                        if (writerDone.get()) {
                            after++;
                        }
                        HttpResponse<String> r = s.post("/sac/predict", body);
                        if (r.statusCode() != 200) {
                            failures.add("status " + r.statusCode() + ": " + r.body());
                            continue;
                        }
                        JsonNode j = TestServer.json(r);
                        String path = j.get("model_path").asText();
                        long g = j.get("generation").asLong();
                        if (!published.contains(path)) {
                            failures.add("answer names " + path + ", never published");
                        }
                        if (g < lastGeneration) {
                            failures.add("generation went back from " + lastGeneration + " to " + g);
                        }
                        lastGeneration = g;
                    }
                    return new Seen(n, failures);
                }));
            }
            Future<?> writer = pool.submit(() -> {
                go.await();
                for (int v = 1; v <= SWAPS; v++) {
                    String name = String.format("model_%04d.onnx", v);
                    // Recorded before the rename: a client may see the file the moment it is in place.
                    published.add(dir.resolve(name).toString());
                    Checkpoints.publish(dir, SEEDS[v % SEEDS.length], name, v);
                    // Paced by traffic, not by time: the next file goes out once this one has answered a request.
                    HttpResponse<String> r = s.post("/sac/predict", body);
                    if (r.statusCode() != 200) {
                        throw new AssertionError("writer's probe got " + r.statusCode() + ": " + r.body());
                    }
                }
                writerDone.set(true);
                return null;
            });
            go.countDown();
            writer.get(3, TimeUnit.MINUTES);
            int total = 0;
            for (Future<Seen> f : clients) {
                Seen seen = f.get(3, TimeUnit.MINUTES);
                assertThat(seen.failures()).isEmpty();
                total += seen.requests();
            }
            assertThat(total).isGreaterThanOrEqualTo(CLIENTS * 5);
            JsonNode info = TestServer.json(s.get("/sac/model/info"));
            assertThat(info.get("path").asText()).isEqualTo(dir.resolve(String.format("model_%04d.onnx", SWAPS)).toString());
            assertThat(info.get("generation").asLong()).isEqualTo(SWAPS + 1);
        }
    }
}
