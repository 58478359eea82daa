package dev.hotserve.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 5 item 8 follow-up: the profile of the batch route shows most of its CPU in Jackson's
 * slow float path ({@code Double.parseDouble}). This measures parsing a request body of
 * {@code rows} × 28 numbers (as bench/wrk sends them, six decimals) into a {@code float[]} the way
 * the server's {@code JsonCodec} read numbers when the profile was taken ({@code fast=false}: default factory,
 * {@code isNaN} + {@code getDoubleValue}) against the proposed change ({@code fast=true}:
 * {@link StreamReadFeature#USE_FAST_DOUBLE_PARSER} + {@code getFloatValue}), so the proposal comes
 * with its figure. Average time per body, µs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class JsonNumbersBenchmark {

    @Param({"1", "64"})
    public int batch;

    @Param({"false", "true"})
    public boolean fast;

    private JsonFactory factory;
    private byte[] body;
    private float[] out;

    @Setup
    public void setUp() {
        factory = fast
                ? JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build()
                : JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
        SplittableRandom rng = new SplittableRandom(7);
        StringBuilder sb = new StringBuilder("{\"states\":[");
        for (int r = 0; r < batch; r++) {
            sb.append(r == 0 ? "[" : ",[");
            for (int i = 0; i < Fixtures.STATE_DIM; i++) {
                sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", rng.nextGaussian()));
            }
            sb.append(']');
        }
        body = sb.append("],\"deterministic\":true}").toString().getBytes(StandardCharsets.UTF_8);
        out = new float[batch * Fixtures.STATE_DIM];
    }

    @Benchmark
    public float[] parse() throws IOException {
        int n = 0;
        try (JsonParser p = factory.createParser(body)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
                    if (p.isNaN()) {
                        throw new IllegalStateException("NaN in the benchmark body");
                    }
                    out[n++] = fast ? p.getFloatValue() : (float) p.getDoubleValue();
                }
            }
        }
        return out;
    }
}
