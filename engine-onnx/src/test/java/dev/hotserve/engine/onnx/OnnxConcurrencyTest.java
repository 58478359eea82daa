package dev.hotserve.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One session, many threads: every call gets exactly the single-threaded answer for its input. */
class OnnxConcurrencyTest {

    private static final int THREADS = 8;
    private static final int CALLS_PER_THREAD = 400;
    private static final int[] BATCHES = {1, 3, 64, 200};

    @Test
    void concurrentCallersEachGetTheirOwnRows() throws Exception {
        try (LoadedModel model = new OnnxEngine().load(Fixtures.file("actor_seed1.onnx"), LoadOptions.defaults())) {
            // Distinct inputs per (thread, batch size), answered first on one thread.
            float[][][] inputs = new float[THREADS][BATCHES.length][];
            float[][][][] expected = new float[THREADS][BATCHES.length][][];
            for (int t = 0; t < THREADS; t++) {
                for (int b = 0; b < BATCHES.length; b++) {
                    inputs[t][b] = OnnxEngineTest.normal(BATCHES[b] * 28, 1000L * t + b);
                    expected[t][b] = model.run(inputs[t][b], BATCHES[b]);
                }
            }

            CountDownLatch start = new CountDownLatch(1);
            List<Callable<Integer>> tasks = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                tasks.add(() -> {
                    start.await();
                    int checked = 0;
                    for (int i = 0; i < CALLS_PER_THREAD; i++) {
                        int b = (i + thread) % BATCHES.length;
                        float[][] out = model.run(inputs[thread][b], BATCHES[b]);
                        // Same batch, same single intra-op thread: bit-for-bit the same numbers.
                        assertThat(out[0]).as("thread %d call %d mean", thread, i).containsExactly(expected[thread][b][0]);
                        assertThat(out[1]).as("thread %d call %d log_std", thread, i).containsExactly(expected[thread][b][1]);
                        checked++;
                    }
                    return checked;
                });
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> futures = new ArrayList<>();
                for (Callable<Integer> task : tasks) {
                    futures.add(pool.submit(task));
                }
                start.countDown();
                for (Future<Integer> f : futures) {
                    assertThat(f.get()).isEqualTo(CALLS_PER_THREAD);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
