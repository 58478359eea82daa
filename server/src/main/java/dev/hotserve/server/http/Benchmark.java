package dev.hotserve.server.http;

import dev.hotserve.core.Lease;
import dev.hotserve.server.codec.AdminJson.BenchmarkResult;
import java.util.Arrays;
import java.util.SplittableRandom;

/** The benchmark route's loop: warm-up, then timed calls on one lease, nearest-rank percentiles. */
final class Benchmark {

    private Benchmark() {}

    static BenchmarkResult run(Lease lease, int batchSize, int iterations, int warmup) {
        int width = lease.stateDim();
        float[] rows = new float[batchSize * width];
        // Fixed, plausible inputs: a benchmark should measure the same work every time.
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) (random.nextGaussian() * 0.5);
        }
        for (int i = 0; i < warmup; i++) {
            lease.predictBatch(rows, batchSize, true, null);
        }
        long[] nanos = new long[iterations];
        long total = 0;
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            lease.predictBatch(rows, batchSize, true, null);
            nanos[i] = System.nanoTime() - t0;
            total += nanos[i];
        }
        Arrays.sort(nanos);
        double totalSeconds = Math.max(total, 1) / 1e9;
        return new BenchmarkResult(batchSize,
                ms(percentile(nanos, 0.50)), ms(percentile(nanos, 0.90)), ms(percentile(nanos, 0.99)),
                ms(total / (double) iterations), ms(nanos[0]), ms(nanos[iterations - 1]),
                (double) batchSize * iterations / totalSeconds);
    }

    /** Nearest rank on sorted values: always one of the measured values, so p50 <= p90 <= p99 <= max. */
    static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }
}
