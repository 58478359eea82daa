package dev.hotserve.server.ui;

/**
 * The last {@code capacity} samples of one model (one a second: 15 minutes), in fixed arrays:
 * memory is bounded whatever the uptime. Written by the sampler thread, copied by streams that
 * start; both under this object's lock, which is held for a copy of a few kilobytes at most.
 */
final class MetricsRing {

    /** One sample; NaN where there was nothing to measure. */
    record Sample(long epochMillis, double requestsPerSecond, double p50Ms, double p99Ms, double batchesPerSecond, double meanBatchRows) {}

    /** The samples in time order, column by column, as the charts take them. */
    record Series(long[] epochMillis, double[] requestsPerSecond, double[] p50Ms, double[] p99Ms, double[] batchesPerSecond,
            double[] meanBatchRows) {}

    private final long[] time;
    private final double[] rate;
    private final double[] p50;
    private final double[] p99;
    private final double[] batches;
    private final double[] rows;
    private int next;
    private int size;

    MetricsRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        time = new long[capacity];
        rate = new double[capacity];
        p50 = new double[capacity];
        p99 = new double[capacity];
        batches = new double[capacity];
        rows = new double[capacity];
    }

    synchronized void add(Sample s) {
        time[next] = s.epochMillis();
        rate[next] = s.requestsPerSecond();
        p50[next] = s.p50Ms();
        p99[next] = s.p99Ms();
        batches[next] = s.batchesPerSecond();
        rows[next] = s.meanBatchRows();
        next = (next + 1) % time.length;
        size = Math.min(size + 1, time.length);
    }

    synchronized Series series() {
        int start = (next - size + time.length) % time.length;
        return new Series(longs(time, start), doubles(rate, start), doubles(p50, start), doubles(p99, start), doubles(batches, start),
                doubles(rows, start));
    }

    synchronized int size() {
        return size;
    }

    private long[] longs(long[] a, int start) {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = a[(start + i) % a.length];
        }
        return out;
    }

    private double[] doubles(double[] a, int start) {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = a[(start + i) % a.length];
        }
        return out;
    }
}
