package dev.hotserve.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hotserve.engine.InferenceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batcher alone, with a fake engine whose first call can be held: callers pile up behind it,
 * so the next call is a real batch whatever the machine's speed. Time is a counter, not the clock.
 */
class BatcherTest {

    static final int WIDTH = 3;

    /** Row-wise: output 0 = row sum, output 1 = (first value, row count of the call). */
    static float[][] compute(float[] in, int rows) {
        float[] sum = new float[rows];
        float[] pair = new float[rows * 2];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < WIDTH; c++) {
                sum[r] += in[r * WIDTH + c];
            }
            pair[r * 2] = in[r * WIDTH];
            pair[r * 2 + 1] = 7;
        }
        return new float[][] {sum, pair};
    }

    final ExecutorService callers = Executors.newFixedThreadPool(40);
    final CountDownLatch release = new CountDownLatch(1);
    final List<Integer> callSizes = new CopyOnWriteArrayList<>();
    final List<int[]> observed = new CopyOnWriteArrayList<>();
    final AtomicLong ticks = new AtomicLong();
    volatile boolean holdFirst = true;

    Batcher.Engine engine = (in, rows) -> {
        callSizes.add(rows);
        if (holdFirst) {
            holdFirst = false;
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return compute(in, rows);
    };

    Batcher batcher(int maxBatch, int maxQueued) {
        return new Batcher((in, rows) -> engine.run(in, rows), WIDTH, new int[] {1, 2}, new Batching(maxBatch, Duration.ZERO, maxQueued),
                (requests, rows, wait) -> observed.add(new int[] {requests, rows}), ticks::incrementAndGet, () -> 1);
    }

    static float[] rows(int seed, int n) {
        float[] in = new float[n * WIDTH];
        for (int i = 0; i < in.length; i++) {
            in[i] = seed * 100 + i;
        }
        return in;
    }

    @AfterEach
    void stop() {
        release.countDown();
        callers.shutdownNow();
    }

    @Test
    void rowsSplitBackToTheRightCallersUnder32ConcurrentCallers() throws Exception {
        Batcher b = batcher(64, 100);
        Future<float[][]> first = callers.submit(() -> b.run(rows(0, 1), 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> callSizes.size() == 1); // the held call runs
        List<Future<float[][]>> answers = new ArrayList<>();
        for (int i = 1; i < 32; i++) {
            int seed = i;
            answers.add(callers.submit(() -> b.run(rows(seed, 1 + seed % 4), 1 + seed % 4)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> b.queueDepth() == 31);
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isDeepEqualTo(compute(rows(0, 1), 1));
        for (int i = 1; i < 32; i++) {
            int n = 1 + i % 4;
            assertThat(answers.get(i - 1).get(10, TimeUnit.SECONDS)).as("caller %d", i).isDeepEqualTo(compute(rows(i, n), n));
        }
        assertThat(observed).as("some call carried several requests").anyMatch(o -> o[0] > 1);
        assertThat(callSizes).allMatch(n -> n <= 64);
        assertThat(observed.stream().mapToInt(o -> o[1]).sum()).as("rows in = rows out")
                .isEqualTo(1 + java.util.stream.IntStream.range(1, 32).map(i -> 1 + i % 4).sum());
        assertThat(b.queueDepth()).isZero();
    }

    @Test
    void aBatchNeverExceedsTheMaximumAndABiggerRequestRunsAlone() throws Exception {
        Batcher b = batcher(4, 100);
        callers.submit(() -> b.run(rows(0, 1), 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> callSizes.size() == 1);
        List<Future<float[][]>> answers = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            int seed = i;
            answers.add(callers.submit(() -> b.run(rows(seed, 3), 3)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> b.queueDepth() == 6);
        release.countDown();
        for (int i = 1; i <= 6; i++) {
            assertThat(answers.get(i - 1).get(10, TimeUnit.SECONDS)).isDeepEqualTo(compute(rows(i, 3), 3));
        }
        assertThat(callSizes).allMatch(n -> n <= 4);
        assertThat(b.run(rows(9, 10), 10)).isDeepEqualTo(compute(rows(9, 10), 10));
        assertThat(callSizes.get(callSizes.size() - 1)).as("the big request alone").isEqualTo(10);
    }

    @Test
    void aFullQueueRefusesAtOnce() throws Exception {
        Batcher b = batcher(8, 3);
        callers.submit(() -> b.run(rows(0, 1), 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> callSizes.size() == 1);
        List<Future<float[][]>> waiting = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            int seed = i;
            waiting.add(callers.submit(() -> b.run(rows(seed, 1), 1)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> b.queueDepth() == 2);
        // The held request left the queue when its call began: two wait, a third fits, a fourth does not.
        Future<float[][]> third = callers.submit(() -> b.run(rows(3, 1), 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.queueDepth() == 3);
        assertThatThrownBy(() -> b.run(rows(4, 1), 1)).isInstanceOf(QueueFullException.class).hasMessageContaining("3 requests");
        release.countDown();
        for (Future<float[][]> f : waiting) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isNotNull();
        }
        assertThat(third.get(10, TimeUnit.SECONDS)).isDeepEqualTo(compute(rows(3, 1), 1));
    }

    @Test
    void outputsThatWouldNotSplitFailTheBatchLoudly() {
        holdFirst = false;
        engine = (in, rows) -> new float[][] {new float[rows + 1], new float[rows * 2]};
        Batcher b = batcher(8, 10);
        assertThatThrownBy(() -> b.run(rows(1, 2), 2)).isInstanceOf(InferenceException.class)
                .hasMessageContaining("would not split back");
    }

    @Test
    void aLoneRequestRunsOnItsOwnThreadAtOnce() {
        holdFirst = false;
        Thread me = Thread.currentThread();
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        engine = (in, rows) -> {
            ranOn.add(Thread.currentThread());
            return compute(in, rows);
        };
        Batcher b = batcher(8, 10);
        assertThat(b.run(rows(1, 1), 1)).isDeepEqualTo(compute(rows(1, 1), 1));
        assertThat(ranOn).containsExactly(me);
        assertThat(observed).containsExactly(new int[] {1, 1});
    }

    /** Each call of a batcher whose observer records {@code executed}: requests, rows, queued, input, infer, output. */
    final List<long[]> executed = new CopyOnWriteArrayList<>();

    Batcher timed(int maxBatch) {
        BatchObserver observer = new BatchObserver() {
            @Override
            public void batched(int requests, int rows, long oldestWaitNanos) {
                observed.add(new int[] {requests, rows});
            }

            @Override
            public void executed(int requests, int rows, long queuedNanos, long inputNanos, long inferNanos, long outputNanos) {
                executed.add(new long[] {requests, rows, queuedNanos, inputNanos, inferNanos, outputNanos});
            }
        };
        return new Batcher((in, rows) -> engine.run(in, rows), WIDTH, new int[] {1, 2}, new Batching(maxBatch, Duration.ZERO, 10), observer,
                ticks::incrementAndGet, () -> 1);
    }

    @Test
    void theObserverIsToldWhereASuccessfulCallsTimeWentAndNothingOfAFailedOne() {
        holdFirst = false;
        Batcher b = timed(8);
        b.run(rows(1, 2), 2);
        // The clock ticks once per reading: queued at 1, taken at 2, stacked at 3, ran at 4, split at 5.
        assertThat(executed).containsExactly(new long[] {1, 2, 1, 1, 1, 1});
        executed.clear();
        b.run(rows(2, 8), 8); // as big as a batch: runs alone, nothing queued, stacked or split
        assertThat(executed).containsExactly(new long[] {1, 8, 0, 0, 1, 0});
        executed.clear();
        engine = (in, rows) -> {
            throw new InferenceException("engine down");
        };
        assertThatThrownBy(() -> b.run(rows(3, 1), 1)).hasMessageContaining("engine down");
        assertThat(executed).isEmpty();
        assertThat(observed).hasSize(3); // the metrics hear of every call, the failed one too
    }

    @Test
    void requestsThatShareACallAreToldAsOneExecutionWithTheirWaitsSummed() throws Exception {
        Batcher b = timed(8);
        Future<?> first = callers.submit(() -> b.run(rows(0, 1), 1)); // holds the engine
        await().atMost(Duration.ofSeconds(20)).until(() -> callSizes.size() == 1);
        List<Future<?>> rest = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            int seed = i;
            rest.add(callers.submit(() -> b.run(rows(seed, 1), 1)));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> b.queueDepth() == 3);
        release.countDown();
        first.get(20, TimeUnit.SECONDS);
        for (Future<?> f : rest) {
            f.get(20, TimeUnit.SECONDS);
        }
        assertThat(executed).hasSize(2);
        long[] shared = executed.get(1);
        assertThat(shared[0]).isEqualTo(3);
        assertThat(shared[1]).isEqualTo(3);
        assertThat(shared[2]).as("three waits summed, each at least one tick").isGreaterThanOrEqualTo(3);
    }

    /** A ten-minute queue delay, adaptive: time is a counter here, so a leader that waited would wait for good. */
    Batcher adaptive(int maxBatch, java.util.function.IntSupplier inFlight) {
        return new Batcher((in, rows) -> engine.run(in, rows), WIDTH, new int[] {1, 2},
                new Batching(maxBatch, Duration.ofMinutes(10), 100, true), (requests, rows, wait) -> observed.add(new int[] {requests, rows}),
                ticks::incrementAndGet, inFlight);
    }

    @Test
    void withAnAdaptiveDelayALoneCallerDoesNotWait() throws Exception {
        holdFirst = false;
        Batcher b = adaptive(8, () -> 1);
        // With Triton's semantics the leader would wait the ten minutes for seven more rows.
        Future<float[][]> out = callers.submit(() -> b.run(rows(1, 1), 1));
        assertThat(out.get(20, TimeUnit.SECONDS)).isDeepEqualTo(compute(rows(1, 1), 1));
        assertThat(callSizes).containsExactly(1);
    }

    @Test
    void withAnAdaptiveDelayTheLeaderWaitsWhileOtherRequestsAreInFlight() throws Exception {
        holdFirst = false;
        Batcher b = adaptive(3, () -> 3);
        List<Future<float[][]>> outs = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            int seed = c;
            outs.add(callers.submit(() -> b.run(rows(seed, 1), 1)));
        }
        for (int c = 0; c < 3; c++) {
            assertThat(outs.get(c).get(20, TimeUnit.SECONDS)).isDeepEqualTo(compute(rows(c, 1), 1));
        }
        assertThat(callSizes).as("three requests in flight: the leader waits, the batch runs when full").containsExactly(3);
    }
}
