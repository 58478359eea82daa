package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures and pictures for the README, not checks: run on demand with
 * {@code ./mvnw -pl server -am test -Dtest=DashboardMeasurement -Dhotserve.measure=true -Dsurefire.failIfNoSpecifiedTests=false}.
 * Speed is reported, never asserted (a shared machine makes any threshold flaky).
 */
@EnabledIfSystemProperty(named = "hotserve.measure", matches = "true")
class DashboardMeasurement {

    @TempDir
    Path dir;

    /** From the rename of a new checkpoint to the page showing its generation; no traffic, no poller. */
    @Test
    void renameToPage() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        byte[][] fixtures = {Checkpoints.read(Checkpoints.fixture("actor_seed1.onnx")), Checkpoints.read(Checkpoints.fixture("actor_seed2.onnx"))};
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString())); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "1".equals(b.attribute("[data-model='sac']", "data-generation")));
            // The page notes when it shows each generation, in this machine's wall-clock time.
            b.js("window.seen = {}; new MutationObserver(() => { const g = document.querySelector('[data-model=sac]').dataset.generation;"
                    + " if (!(g in window.seen)) window.seen[g] = Date.now(); })"
                    + ".observe(document.querySelector('[data-model=sac]'), {attributes: true, attributeFilter: ['data-generation']});");
            List<Long> millis = new ArrayList<>();
            for (int i = 2; i <= 11; i++) {
                Path tmp = dir.resolve(".model_" + i + ".onnx.tmp");
                Files.write(tmp, fixtures[i % 2]);
                Files.setLastModifiedTime(tmp, FileTime.from(Checkpoints.mtime(i)));
                // Spread the renames over the page's 250 ms check cycle.
                Thread.sleep(300 + 97L * i);
                long renamed = System.currentTimeMillis();
                Files.move(tmp, dir.resolve("model_" + i + ".onnx"), StandardCopyOption.ATOMIC_MOVE);
                String generation = Integer.toString(i);
                await().atMost(Duration.ofSeconds(30)).until(() -> b.js("return window.seen['" + generation + "'] || null;") != null);
                millis.add(((Number) b.js("return window.seen['" + generation + "'];")).longValue() - renamed);
            }
            long[] sorted = millis.stream().mapToLong(Long::longValue).sorted().toArray();
            String line = String.format(Locale.ROOT, "rename to page, 10 trials (ms): %s; p50 %.0f, max %d", millis,
                    (sorted[4] + sorted[5]) / 2.0, sorted[9]);
            System.out.println(line);
            Files.writeString(Path.of("target", "dashboard-rename-to-page.txt"), line + "\n");
            assertThat(millis).hasSize(10);
        }
    }

    /** Two models, a few minutes of traffic, reloads and a refused file: the pictures in the README. */
    @Test
    void readmeScreenshots() throws Exception {
        Path sac = Files.createDirectories(dir.resolve("sac"));
        Path td3 = Files.createDirectories(dir.resolve("td3"));
        Checkpoints.publish(sac, "actor_seed0.onnx", "model_2026-11-23.onnx", 1);
        Checkpoints.publish(td3, "actor_seed2.onnx", "model_2026-11-20.onnx", 1);
        Path config = dir.resolve("hotserve.yaml");
        Files.writeString(config, "models:\n  - name: sac\n    dir: sac\n  - name: td3\n    dir: td3\n"
                + "    rollout: {mode: shadow, shadow_samples: 1000000, max_drift: 0.2}\n");
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_CONFIG", config.toString(), "HOTSERVE_STATE_DIR", dir.resolve("state").toString()))) {
            AtomicBoolean running = new AtomicBoolean(true);
            Thread load = Thread.ofPlatform().name("readme-traffic").start(() -> traffic(s, running));
            try {
                Thread.sleep(40_000);
                Checkpoints.publish(sac, "actor_seed1.onnx", "model_2026-11-24.onnx", 2);
                Checkpoints.publish(td3, "actor_seed1.onnx", "model_2026-11-24.onnx", 2);
                s.post("/sac/predict", TestServer.predictBody(28, 0));
                Thread.sleep(40_000);
                byte[] bytes = Checkpoints.read(Checkpoints.fixture("actor_seed2.onnx"));
                Checkpoints.publishBytes(sac, Arrays.copyOf(bytes, bytes.length / 3), "model_2026-11-25.onnx", 3);
                s.post("/sac/predict", TestServer.predictBody(28, 0));
                Thread.sleep(30_000);
                Checkpoints.publishBytes(sac, bytes, "model_2026-11-25.onnx", 4);
                s.post("/sac/predict", TestServer.predictBody(28, 0));
                Thread.sleep(60_000);
                // While the traffic goes on, so that the charts' current figures show.
                try (Browser b = Browser.open(1280, 800)) {
                    b.get(s.base.resolve("/ui/"));
                    await().atMost(Duration.ofSeconds(30)).until(() -> "3".equals(b.attribute("[data-model='sac']", "data-generation")));
                    Thread.sleep(3_000);
                    b.screenshot("readme-1280-light");
                    Thread.sleep(500);
                    b.fullPageScreenshot("readme-1280-full-light", 1280, 800);
                    b.colorScheme("dark");
                    Thread.sleep(1_500);
                    b.screenshot("readme-1280-dark");
                    b.phone(390, 844);
                    Thread.sleep(1_500);
                    b.screenshot("readme-phone-dark");
                    b.colorScheme("light");
                    Thread.sleep(1_500);
                    b.screenshot("readme-phone-light");
                }
            } finally {
                running.set(false);
                load.join();
            }
        }
    }

    /** A varying load, bounded in time by {@code running} (at most a few hundred requests a second). */
    private static void traffic(TestServer s, AtomicBoolean running) {
        long start = System.nanoTime();
        while (running.get()) {
            double t = (System.nanoTime() - start) / 1e9;
            int perSecond = (int) (40 + 30 * Math.sin(t / 9) + 10 * Math.sin(t / 2.3));
            for (int i = 0; i < perSecond && running.get(); i++) {
                String model = i % 3 == 0 ? "td3" : "sac";
                if (i % 10 == 0) {
                    s.post("/" + model + "/predict/batch", "{\"states\":[" + row() + "," + row() + "," + row() + "]}");
                } else {
                    s.post("/" + model + "/predict", TestServer.predictBody(28, Math.sin(i)));
                }
            }
            try {
                Thread.sleep(Math.max(0, 1000 - (long) ((System.nanoTime() - start) / 1e6 % 1000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String row() {
        return TestServer.predictBody(28, 0.2).replace("{\"state\":", "").replace("}", "");
    }
}
