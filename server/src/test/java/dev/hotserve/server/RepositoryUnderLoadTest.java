package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hotserve.server.inference.ModelRegistry;
import dev.hotserve.server.inference.ServedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading and unloading models while requests run: nothing fails on other models, nothing admitted is cut off. */
class RepositoryUnderLoadTest {

    @TempDir
    Path dir;

    private Path modelDir(String name, String fixture) {
        try {
            Path d = Files.createDirectories(dir.resolve(name));
            Checkpoints.publish(d, fixture, "model_1.onnx", 1);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads with a config entry need a key set (SECURITY.md). */
    private static final String ADMIN_KEY = "repository-admin-key";

    private TestServer twoModels() throws IOException {
        Path config = dir.resolve("hotserve.yaml");
        Files.writeString(config, "models:\n  - name: a\n    dir: " + modelDir("a", "actor_seed0.onnx") + "\n  - name: b\n    dir: "
                + modelDir("b", "actor_seed1.onnx") + "\n");
        return TestServer.start(dir, Map.of("HOTSERVE_CONFIG", config.toString(), "HOTSERVE_ADMIN_KEY", ADMIN_KEY));
    }

    @Test
    void anUnloadWaitsForTheRequestsAdmittedOnItsModelThenClosesIt() throws Exception {
        try (TestServer s = twoModels()) {
            ModelRegistry registry = s.server.registry();
            ServedModel.Use inFlight = registry.use("a"); // a request admitted on model a, still running
            var model = inFlight.model();
            ExecutorService unloader = Executors.newSingleThreadExecutor();
            try {
                Future<?> unload = unloader.submit(() -> registry.unload("a"));
                await().atMost(Duration.ofSeconds(10)).until(() -> registry.find("a").isEmpty());
                // New requests no longer find it, but the admitted one still runs on an open model.
                assertThat(s.post("/a/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(404);
                try (var lease = model.acquire()) {
                    assertThat(lease.predict(new float[28])).hasSize(1);
                }
                assertThat(unload.isDone()).isFalse();
                inFlight.close();
                unload.get(10, TimeUnit.SECONDS);
                assertThat(model.current()).isEmpty(); // closed once drained
            } finally {
                unloader.shutdownNow();
            }
        }
    }

    @Test
    void loadsAndUnloadsUnderTrafficFailNoRequestOnOtherModelsAndNoneMidFlight() throws Exception {
        try (TestServer s = twoModels()) {
            Path aDir = dir.resolve("a");
            AtomicBoolean stop = new AtomicBoolean();
            Map<String, AtomicInteger> byOutcome = new ConcurrentHashMap<>();
            List<String> failures = new CopyOnWriteArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(6);
            try {
                for (int t = 0; t < 6; t++) {
                    String model = t < 3 ? "b" : "a";
                    clients.submit(() -> {
                        String body = Oip.infer("state", "FP32", new long[] {4, 28}, Oip.values(4 * 28), "");
                        for (int i = 0; i < 5_000 && !stop.get(); i++) {
                            HttpResponse<String> r = s.post("/v2/models/" + model + "/infer", body);
                            byOutcome.computeIfAbsent(model + " " + r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                            boolean ok = r.statusCode() == 200 || (model.equals("a") && r.statusCode() == 404);
                            if (!ok) {
                                failures.add(model + ": " + r.statusCode() + " " + r.body());
                            }
                        }
                        return null;
                    });
                }
                for (int round = 0; round < 5; round++) {
                    int before = count(byOutcome, "b 200");
                    await().atMost(Duration.ofSeconds(30)).until(() -> count(byOutcome, "b 200") > before + 20);
                    assertThat(s.post("/v2/repository/models/a/unload", "", "Authorization", "Bearer " + ADMIN_KEY).statusCode()).isEqualTo(200);
                    int during = count(byOutcome, "b 200");
                    await().atMost(Duration.ofSeconds(30)).until(() -> count(byOutcome, "b 200") > during + 20);
                    String config = "{\"parameters\":{\"config\":\"{\\\"dir\\\":\\\"" + aDir + "\\\"}\"}}";
                    assertThat(s.post("/v2/repository/models/a/load", config, "Authorization", "Bearer " + ADMIN_KEY).statusCode()).isEqualTo(200);
                }
            } finally {
                stop.set(true);
                clients.shutdown();
                assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(failures).isEmpty();
            assertThat(count(byOutcome, "b 200")).isGreaterThan(200);
            assertThat(count(byOutcome, "a 200")).isPositive();
            assertThat(count(byOutcome, "a 404")).isPositive(); // some requests did arrive while a was unloaded
        }
    }

    private static int count(Map<String, AtomicInteger> byOutcome, String key) {
        AtomicInteger n = byOutcome.get(key);
        return n == null ? 0 : n.get();
    }
}
