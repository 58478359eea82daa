package dev.hotserve.server.config;

/**
 * What one request may ask for. Bodies and batches over the limits get 413, benchmark requests
 * over them 400.
 *
 * @param maxBodyBytes the largest request body read
 * @param maxBatchRows the most rows of one batch (and the largest benchmark batch size)
 * @param maxBenchmarkIterations the most timed (and, separately, warm-up) iterations per batch size
 */
public record Limits(long maxBodyBytes, int maxBatchRows, int maxBenchmarkIterations) {

    public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;
    public static final int DEFAULT_MAX_BATCH_ROWS = 8192;
    public static final int DEFAULT_MAX_BENCHMARK_ITERATIONS = 10_000;

    public Limits {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("max body bytes must be at least 1, was " + maxBodyBytes);
        }
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("max batch rows must be at least 1, was " + maxBatchRows);
        }
        if (maxBenchmarkIterations < 1) {
            throw new IllegalArgumentException("max benchmark iterations must be at least 1, was " + maxBenchmarkIterations);
        }
    }

    public static Limits defaults() {
        return new Limits(DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_BATCH_ROWS, DEFAULT_MAX_BENCHMARK_ITERATIONS);
    }
}
