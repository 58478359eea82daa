package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.testing.CountingFiles;
import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models share one runtime's threads: a process serving fifty models has as many threads of ours
 * as one serving a single model, and closing them leaves none behind.
 */
public class SharedRuntimeTest {

    @TempDir
    Path root;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    /** Threads of ours started since {@code before} (other tests' runtimes may still be winding down). */
    public static List<String> ourThreads(java.util.Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).filter(t -> !before.contains(t))
                .map(Thread::getName).filter(n -> n.startsWith("hotserve-")).sorted().toList();
    }

    public static java.util.Set<Thread> threadsNow() {
        return new java.util.HashSet<>(Thread.getAllStackTraces().keySet());
    }

    /** A background-mode model polling every 5 ms; {@code files} counts its stats, so polling can be awaited. */
    HotModel model(HotserveRuntime runtime, int i, CountingFiles files) throws Exception {
        Path dir = Files.createDirectories(root.resolve("m" + i));
        FakeCheckpoint.of(i).writeTo(dir.resolve("model_1.onnx"), base);
        HotModelBuilder b = HotModel.builder();
        if (runtime != null) {
            b.runtime(runtime);
        }
        return b.name("m" + i).directory(dir).loader(engine.loader()).fileSystem(files)
                .mode(ReloadMode.BACKGROUND).pollInterval(Duration.ofMillis(5)).build();
    }

    @Test
    void fiftyModelsUseNoMoreThreadsThanOneAndCloseLeavesNone() throws Exception {
        java.util.Set<Thread> before = threadsNow();
        List<HotModel> models = new ArrayList<>();
        List<CountingFiles> counters = new ArrayList<>();
        HotserveRuntime runtime = HotserveRuntime.builder().loaderThreads(2).build();
        try {
            CountingFiles first = new CountingFiles();
            models.add(model(runtime, 0, first));
            counters.add(first);
            // Both loader threads busy at least once: the single-model count is the pool's full size.
            await().atMost(Duration.ofSeconds(10)).until(() -> first.stats() > 20);
            List<String> withOne = ourThreads(before);

            for (int i = 1; i < 50; i++) {
                CountingFiles c = new CountingFiles();
                models.add(model(runtime, i, c));
                counters.add(c);
            }
            long[] seen = counters.stream().mapToLong(CountingFiles::stats).toArray();
            // Every model has polled several more times since.
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (int i = 0; i < counters.size(); i++) {
                    if (counters.get(i).stats() < seen[i] + 6) {
                        return false;
                    }
                }
                return true;
            });
            List<String> withFifty = ourThreads(before);
            System.out.println("threads of ours with 1 model: " + withOne.size() + " " + withOne + "; with 50: " + withFifty.size() + " " + withFifty);
            // The scheduler and at most the two loader threads, whatever the number of models.
            assertThat(withFifty.size()).as("threads with 50 models").isLessThanOrEqualTo(3);
            assertThat(withOne).contains("hotserve-scheduler-1");
            for (HotModel m : models) {
                try (Lease lease = m.acquire()) {
                    assertThat(lease.version().generation()).isEqualTo(1);
                }
            }
        } finally {
            models.forEach(HotModel::close);
            runtime.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> ourThreads(before).isEmpty());
        assertThat(engine.open()).as("every model closed").isEmpty();
    }

    @Test
    void aModelWithoutARuntimeClosesTheOneItMade() throws Exception {
        java.util.Set<Thread> before = threadsNow();
        HotModel m = model(null, 0, new CountingFiles());
        assertThat(ourThreads(before)).isNotEmpty();
        m.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> ourThreads(before).isEmpty());
    }
}
