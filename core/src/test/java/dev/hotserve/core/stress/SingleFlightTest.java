package dev.hotserve.core.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ReloadMode;
import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/architecture.md, "The stages of a reload": requests that notice the same new file cause one load, not one each. */
class SingleFlightTest {

    static final int THREADS = 32;

    @TempDir
    Path dir;

    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    @Test
    void thirtyTwoThreadsThatNoticeOneNewFileCauseExactlyOneLoad() throws Exception {
        FakeEngine engine = FakeEngine.strict();
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base.plusSeconds(1));
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).build()) {
            CountDownLatch loading = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            engine.duringLoad(p -> {
                loading.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2));

            CyclicBarrier together = new CyclicBarrier(THREADS);
            AtomicInteger past = new AtomicInteger();
            List<Long> generations = new CopyOnWriteArrayList<>();
            Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new CopyOnWriteArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                Thread t = new Thread(() -> {
                    try {
                        together.await();
                        past.incrementAndGet();
                        try (Lease lease = model.acquire()) {
                            generations.add(lease.version().generation());
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                threads.add(t);
                t.start();
            }
            assertThat(loading.await(30, TimeUnit.SECONDS)).isTrue();
            // All 32 noticed the new file: one is loading it, the other 31 wait for that load.
            await().atMost(Duration.ofSeconds(30)).until(() -> past.get() == THREADS
                    && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
            release.countDown();
            for (Thread t : threads) {
                assertThat(t.join(Duration.ofSeconds(30))).as("%s ended", t.getName()).isTrue();
            }

            assertThat(errors).isEmpty();
            assertThat(engine.attempts()).as("model_1 at build, model_2 once").isEqualTo(2);
            assertThat(generations).hasSize(THREADS).containsOnly(2L);
        }
    }

    @Test
    void inBackgroundModeThirtyTwoThreadsQueueOneLoad() throws Exception {
        FakeEngine engine = FakeEngine.strict();
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base.plusSeconds(1));
        Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).mode(ReloadMode.BACKGROUND)
                .executor(tasks::add).build()) {
            FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2));
            CyclicBarrier together = new CyclicBarrier(THREADS);
            Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
            Thread[] threads = new Thread[THREADS];
            for (int i = 0; i < THREADS; i++) {
                threads[i] = new Thread(() -> {
                    try {
                        together.await();
                        for (int r = 0; r < 100; r++) {
                            try (Lease lease = model.acquire()) {
                                assertThat(lease.version().generation()).isEqualTo(1);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                threads[i].start();
            }
            for (Thread t : threads) {
                assertThat(t.join(Duration.ofSeconds(30))).as("%s ended", t.getName()).isTrue();
            }
            assertThat(errors).isEmpty();
            assertThat(tasks).hasSize(1);
            tasks.poll().run();
            assertThat(engine.attempts()).isEqualTo(2);
            assertThat(model.current().orElseThrow().generation()).isEqualTo(2);
        }
    }
}
