package dev.hotserve.core;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one rollout has seen so far: the drift of each shadow comparison, comparisons skipped
 * because the shadow queue was busy, and requests, errors and non-finite outputs of each side.
 * Written from request threads and the shadow thread, read by decisions and the info route.
 */
final class RolloutStats {

    private final float[] drifts;
    private final AtomicInteger comparisons = new AtomicInteger();
    final LongAdder skipped = new LongAdder();
    final Side candidate = new Side();
    final Side stable = new Side();

    /** Requests answered by one side, and how many of them failed or were not finite. */
    static final class Side {
        final LongAdder requests = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder nonFinite = new LongAdder();

        double errorRate() {
            long n = requests.sum();
            return n == 0 ? 0 : (errors.sum() + nonFinite.sum()) / (double) n;
        }
    }

    /** Drifts kept for the quantiles: beyond this many comparisons, a uniform sample of them (reservoir). */
    static final int MAX_KEPT = 100_000;

    RolloutStats(int samples) {
        this.drifts = new float[Math.max(1, Math.min(samples, MAX_KEPT))];
    }

    /** Records one comparison; returns how many there are now. */
    int recordDrift(float drift) {
        int i = comparisons.getAndIncrement();
        if (i < drifts.length) {
            drifts[i] = drift;
        } else {
            int j = java.util.concurrent.ThreadLocalRandom.current().nextInt(i + 1);
            if (j < drifts.length) {
                drifts[j] = drift;
            }
        }
        return i + 1;
    }

    int comparisons() {
        return comparisons.get();
    }

    /**
     * How many comparisons so far, and p50, p99 and max of their drifts (of the kept sample beyond
     * {@link #MAX_KEPT}); NaN when none (or when any was NaN).
     */
    Drift drift() {
        int total = comparisons.get();
        int n = Math.min(total, drifts.length);
        if (n == 0) {
            return new Drift(0, Double.NaN, Double.NaN, Double.NaN);
        }
        float[] sorted = Arrays.copyOf(drifts, n);
        Arrays.sort(sorted); // NaN sorts last, so a NaN drift shows as the max
        return new Drift(total, sorted[(int) Math.ceil(0.50 * n) - 1], sorted[(int) Math.ceil(0.99 * n) - 1], sorted[n - 1]);
    }

    /** Drift figures of a rollout (the largest absolute difference of deterministic actions per comparison). */
    record Drift(int comparisons, double p50, double p99, double max) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%d comparisons, drift p50 %.3g, p99 %.3g, max %.3g", comparisons, p50, p99, max);
        }
    }
}
