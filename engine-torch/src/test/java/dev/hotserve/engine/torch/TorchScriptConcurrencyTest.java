package dev.hotserve.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.engine.LoadedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * One loaded module called from many threads at once (platform and virtual) gives every caller
 * its own right answer, and models with the optimiser on and off can share threads.
 */
class TorchScriptConcurrencyTest {

    private static final int THREADS = 8;
    private static final int CALLS = 300;

    @Test
    void manyThreadsShareOneModule() throws Exception {
        Path pt = TorchFixtures.file("actor_seed0.pt");
        TorchScriptEngine engine = new TorchScriptEngine();
        try (LoadedModel model = engine.load(pt, TorchFixtures.options(pt));
                LoadedModel optimized = engine.load(pt, TorchFixtures.options(pt).withOptimize(true))) {
            // Distinct inputs per thread and batch size; expected answers computed on one thread first.
            float[][] inputs = new float[THREADS][];
            float[][][] expected = new float[THREADS][][];
            for (int t = 0; t < THREADS; t++) {
                int rows = 1 + t * 9;
                inputs[t] = new float[rows * 28];
                for (int i = 0; i < inputs[t].length; i++) {
                    inputs[t][i] = (float) Math.sin(t * 1000 + i);
                }
                expected[t] = model.run(inputs[t], rows);
            }

            for (ExecutorService pool : List.of(Executors.newFixedThreadPool(THREADS),
                    Executors.newVirtualThreadPerTaskExecutor())) {
                try (pool) {
                    CountDownLatch start = new CountDownLatch(1);
                    List<Future<Integer>> results = new ArrayList<>();
                    for (int t = 0; t < THREADS; t++) {
                        int thread = t;
                        results.add(pool.submit(() -> {
                            start.await();
                            int rows = 1 + thread * 9;
                            int ok = 0;
                            for (int c = 0; c < CALLS; c++) {
                                // Alternate models so one thread flips the thread-local optimiser switch.
                                LoadedModel m = c % 2 == 0 ? model : optimized;
                                float[][] out = m.run(inputs[thread], rows);
                                if (close(out, expected[thread])) {
                                    ok++;
                                }
                            }
                            return ok;
                        }));
                    }
                    start.countDown();
                    for (Future<Integer> r : results) {
                        assertThat(r.get()).isEqualTo(CALLS);
                    }
                }
            }
        }
    }

    private static boolean close(float[][] a, float[][] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int o = 0; o < a.length; o++) {
            if (a[o].length != b[o].length) {
                return false;
            }
            for (int i = 0; i < a[o].length; i++) {
                if (Math.abs(a[o][i] - b[o][i]) > 1e-6f) {
                    return false;
                }
            }
        }
        return true;
    }
}
