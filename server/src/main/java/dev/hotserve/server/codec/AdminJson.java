package dev.hotserve.server.codec;

import static dev.hotserve.server.codec.JsonKit.describe;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.server.config.Limits;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The bodies of the native API's admin routes that take one: {@code /<model>/benchmark} (its
 * request and answer) and {@code /<model>/model/rollback}. Every refusal is an
 * {@link InvalidInputException} naming the field and the limit it ran into.
 */
public final class AdminJson {

    /** Cloned on use: a static array must never be shared mutable state. */
    private static final int[] DEFAULT_BATCH_SIZES = {1, 64};
    static final int DEFAULT_ITERATIONS = 200;
    static final int DEFAULT_WARMUP = 20;
    static final int MAX_BATCH_SIZES = 16;

    private final JsonKit kit;

    public AdminJson(JsonKit kit) {
        this.kit = kit;
    }

    /** {@code {"batch_sizes": [1, 64], "iterations": 200, "warmup": 20}} */
    public record BenchmarkRequest(int[] batchSizes, int iterations, int warmup) {}

    /** One batch size's timings. */
    public record BenchmarkResult(int batchSize, double p50Ms, double p90Ms, double p99Ms, double meanMs, double minMs,
            double maxMs, double throughputPerS) {}

    /** An empty body takes every default. */
    public BenchmarkRequest parseBenchmark(byte[] body, Limits limits) {
        var r = new Object() {
            int[] sizes = DEFAULT_BATCH_SIZES.clone();
            int iterations = Math.min(DEFAULT_ITERATIONS, limits.maxBenchmarkIterations());
            int warmup = Math.min(DEFAULT_WARMUP, limits.maxBenchmarkIterations());
        };
        kit.readObjectOrNothing(body, (name, p) -> switch (name) {
            case "batch_sizes" -> {
                if (p.currentToken() != JsonToken.START_ARRAY) {
                    throw new InvalidInputException(name, "batch_sizes must be an array of integers, was " + describe(p.currentToken()));
                }
                int[] sizes = new int[MAX_BATCH_SIZES];
                int n = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    if (n == MAX_BATCH_SIZES) {
                        throw new InvalidInputException(name, "batch_sizes has more than " + MAX_BATCH_SIZES + " entries");
                    }
                    sizes[n] = integer(p, "batch_sizes[" + n + "]", 1, limits.maxBatchRows(), "HOTSERVE_MAX_BATCH_ROWS");
                    n++;
                }
                if (n == 0) {
                    throw new InvalidInputException(name, "batch_sizes is empty; give at least one batch size");
                }
                r.sizes = Arrays.copyOf(sizes, n);
                yield true;
            }
            case "iterations" -> {
                r.iterations = integer(p, "iterations", 1, limits.maxBenchmarkIterations(), "HOTSERVE_MAX_BENCHMARK_ITERATIONS");
                yield true;
            }
            case "warmup" -> {
                r.warmup = integer(p, "warmup", 0, limits.maxBenchmarkIterations(), "HOTSERVE_MAX_BENCHMARK_ITERATIONS");
                yield true;
            }
            default -> false;
        });
        return new BenchmarkRequest(r.sizes, r.iterations, r.warmup);
    }

    /** {@code {"generation": g}} */
    public long parseRollback(byte[] body) {
        var r = new Object() {
            long generation = -1;
        };
        kit.readObject(body, (name, p) -> {
            if (!name.equals("generation")) {
                return false;
            }
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw new InvalidInputException(name, "generation must be an integer, was " + describe(p.currentToken()));
            }
            r.generation = p.getLongValue();
            if (r.generation < 1) {
                throw new InvalidInputException(name, "generation must be at least 1, was " + r.generation);
            }
            return true;
        });
        if (r.generation < 0) {
            throw new InvalidInputException("generation", "missing field 'generation': the generation to roll back to");
        }
        return r.generation;
    }

    private static int integer(JsonParser p, String where, int min, int max, String limitName) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidInputException(where, where + " must be an integer, was " + describe(t));
        }
        long v = p.getLongValue();
        if (v < min || v > max) {
            throw new InvalidInputException(where, where + " must be " + min + "-" + max + " (limit " + limitName + "), was " + v);
        }
        return (int) v;
    }

    public byte[] benchmark(ModelVersion v, BenchmarkRequest req, List<BenchmarkResult> results) {
        return kit.write(512 + results.size() * 200, g -> {
            g.writeStartObject();
            NativeJson.servedBy(g, v, v.mtime().toString());
            g.writeStringField("engine", v.engine());
            g.writeNumberField("iterations", req.iterations());
            g.writeNumberField("warmup", req.warmup());
            g.writeArrayFieldStart("results");
            for (BenchmarkResult r : results) {
                g.writeStartObject();
                g.writeNumberField("batch_size", r.batchSize());
                g.writeNumberField("p50_ms", r.p50Ms());
                g.writeNumberField("p90_ms", r.p90Ms());
                g.writeNumberField("p99_ms", r.p99Ms());
                g.writeNumberField("mean_ms", r.meanMs());
                g.writeNumberField("min_ms", r.minMs());
                g.writeNumberField("max_ms", r.maxMs());
                g.writeNumberField("throughput_per_s", r.throughputPerS());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }
}
