package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hotserve.batch.Batching;
import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batching behind leases: versions never mix, bad input never reaches a batch, close drains the queue. */
class BatchingThroughLeasesTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    final ExecutorService callers = Executors.newFixedThreadPool(20);
    final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        callers.shutdownNow();
    }

    void good(int n) {
        FakeCheckpoint.of(n).writeTo(dir.resolve("model_" + n + ".onnx"), base.plusSeconds(n));
    }

    HotModel model() {
        return HotModel.builder().directory(dir).loader(engine.loader()).batching(Batching.of(16, Duration.ZERO)).build();
    }

    final CountDownLatch holding = new CountDownLatch(1);

    /** Holds the next engine call until {@link #release}; later calls run freely. {@link #holding} opens when it is held. */
    void holdNextCall() {
        AtomicBoolean held = new AtomicBoolean();
        engine.duringRun(() -> {
            if (held.compareAndSet(false, true)) {
                holding.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    static float expected(float bias, float[] row) {
        float sum = 0;
        for (float v : row) {
            sum += v;
        }
        return bias + sum / 1000f;
    }

    @Test
    void answersDuringSwapsComeFromTheLeasedVersionOnly() throws Exception {
        good(1);
        try (HotModel model = model()) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger answers = new AtomicInteger();
            List<String> wrong = new CopyOnWriteArrayList<>();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                workers.add(callers.submit(() -> {
                    while (!stop.get()) {
                        int rows = 1 + ThreadLocalRandom.current().nextInt(3);
                        float[] in = new float[rows * 4];
                        for (int i = 0; i < in.length; i++) {
                            in[i] = ThreadLocalRandom.current().nextInt(100);
                        }
                        try (Lease lease = model.acquire()) {
                            float bias = Float.parseFloat(lease.version().name().substring("model_".length()));
                            float[] out = lease.predictBatch(in, rows, true, null);
                            for (int r = 0; r < rows; r++) {
                                float want = expected(bias, java.util.Arrays.copyOfRange(in, r * 4, r * 4 + 4));
                                if (out[r] != want) {
                                    wrong.add("generation " + lease.version().generation() + " row " + r + ": " + out[r] + " != " + want);
                                }
                            }
                        }
                        answers.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (int n = 2; n <= 30; n++) {
                int before = answers.get();
                good(n);
                await().atMost(Duration.ofSeconds(10)).until(() -> answers.get() > before + 20);
            }
            stop.set(true);
            for (Future<?> w : workers) {
                w.get(20, TimeUnit.SECONDS);
            }
            assertThat(wrong).isEmpty();
            assertThat(model.current().orElseThrow().generation()).isEqualTo(30);
        }
        assertThat(engine.violations()).isEmpty();
        assertThat(engine.models()).hasSize(30).allMatch(m -> m.closeCount() == 1);
    }

    @Test
    void aBadRequestIsRefusedBeforeBatchingAndFailsNoOther() throws Exception {
        good(1);
        try (HotModel model = model()) {
            holdNextCall();
            List<Future<float[]>> good = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                float v = i;
                good.add(callers.submit(() -> {
                    try (Lease lease = model.acquire()) {
                        return lease.predict(new float[] {v, 0, 0, 0});
                    }
                }));
                if (i == 0) {
                    assertThat(holding.await(10, TimeUnit.SECONDS)).as("the first call runs, held").isTrue();
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> model.queueDepth() == 5);
            try (Lease lease = model.acquire()) {
                assertThatThrownBy(() -> lease.predict(new float[3])).isInstanceOf(dev.hotserve.engine.InvalidInputException.class)
                        .hasMessageContaining("3 values");
            }
            assertThat(model.queueDepth()).as("the bad request never queued").isEqualTo(5);
            release.countDown();
            for (int i = 0; i < 6; i++) {
                assertThat(good.get(i).get(10, TimeUnit.SECONDS)).containsExactly(1f + i / 1000f);
            }
        }
    }

    @Test
    void closingTheModelDrainsItsQueueBeforeTheVersionCloses() throws Exception {
        good(1);
        HotModel model = model();
        holdNextCall();
        List<Future<float[]>> queued = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            queued.add(callers.submit(() -> {
                try (Lease lease = model.acquire()) {
                    return lease.predict(new float[4]);
                }
            }));
            if (i == 0) {
                assertThat(holding.await(10, TimeUnit.SECONDS)).as("the first call runs, held").isTrue();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> model.queueDepth() == 5);
        model.close();
        assertThat(engine.models().get(0).closeCount()).as("requests still queued: not closed").isZero();
        release.countDown();
        for (Future<float[]> f : queued) {
            assertThat(f.get(10, TimeUnit.SECONDS)).containsExactly(1f);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.models().get(0).closeCount() == 1);
        assertThat(engine.violations()).isEmpty();
    }
}
