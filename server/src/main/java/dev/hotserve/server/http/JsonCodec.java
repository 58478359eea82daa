package dev.hotserve.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.hotserve.core.LoadFailure;
import dev.hotserve.core.ModelStatus;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.ReloadEvent;
import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.core.RolloutStatus;
import dev.hotserve.server.config.Limits;
import dev.hotserve.source.SourceHealth;
import java.io.ByteArrayOutputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Request parsing and response writing, straight between bytes and {@code float[]} with Jackson's
 * streaming API: this is the hot path, so no object binding and no per-request factory. Every
 * refusal is a 400 (413 for too many rows) whose message names the field, and for batches the row.
 *
 * <p>NaN and Infinity tokens are let through the tokenizer on purpose, so that they can be refused
 * with a message naming them instead of a generic parse error.
 */
public final class JsonCodec {

    private final JsonFactory factory = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // The JDK's float parsing was the largest JSON cost in the batch route's profile.
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    /** {@code {"state": [...], "deterministic": true, "seed": 42}} */
    public record PredictRequest(float[] state, boolean deterministic, OptionalLong seed) {}

    /** {@code {"states": [[...], ...], "deterministic": true, "seed": 42}}, rows flattened row-major. */
    public record BatchRequest(float[] rows, int rowCount, boolean deterministic, OptionalLong seed) {}

    /** {@code {"batch_sizes": [1, 64], "iterations": 200, "warmup": 20}} */
    public record BenchmarkRequest(int[] batchSizes, int iterations, int warmup) {}

    /** One batch size's timings. */
    public record BenchmarkResult(int batchSize, double p50Ms, double p90Ms, double p99Ms, double meanMs, double minMs,
            double maxMs, double throughputPerS) {}

    /** Cloned on use: a static array must never be shared mutable state. */
    private static final int[] DEFAULT_BATCH_SIZES = {1, 64};
    static final int DEFAULT_ITERATIONS = 200;
    static final int DEFAULT_WARMUP = 20;
    static final int MAX_BATCH_SIZES = 16;

    // ---------------------------------------------------------------- parsing

    /** Reads the fields of one object; returns false for a field it does not know (skipped). */
    @FunctionalInterface
    private interface Fields {
        boolean field(String name, JsonParser p) throws IOException;
    }

    private void readObject(byte[] body, boolean emptyIsEmptyObject, Fields fields) {
        if (body.length == 0 && emptyIsEmptyObject) {
            return;
        }
        try (JsonParser p = factory.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw HttpError.badRequest("the request body is empty; send a JSON object");
            }
            if (t != JsonToken.START_OBJECT) {
                throw HttpError.badRequest("the request body must be a JSON object, was " + describe(t));
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (!fields.field(name, p)) {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw HttpError.badRequest("malformed JSON: unexpected content after the object");
            }
        } catch (IOException e) {
            throw JsonCodec.unreadable(e);
        }
    }

    public PredictRequest parsePredict(byte[] body, int stateDim) {
        var r = new Object() {
            float[] state;
            boolean deterministic = true;
            OptionalLong seed = OptionalLong.empty();
        };
        readObject(body, false, (name, p) -> switch (name) {
            case "state" -> {
                r.state = new float[stateDim];
                readRow(p, "state", -1, r.state, 0, stateDim);
                yield true;
            }
            case "deterministic" -> {
                r.deterministic = bool(p, "deterministic");
                yield true;
            }
            case "seed" -> {
                r.seed = seed(p);
                yield true;
            }
            default -> false;
        });
        if (r.state == null) {
            throw HttpError.badRequest("missing field 'state': an array of " + stateDim + " numbers");
        }
        return new PredictRequest(r.state, r.deterministic, r.seed);
    }

    public BatchRequest parseBatch(byte[] body, int stateDim, int maxRows) {
        var r = new Object() {
            float[] rows;
            int count = -1;
            boolean deterministic = true;
            OptionalLong seed = OptionalLong.empty();
        };
        readObject(body, false, (name, p) -> switch (name) {
            case "states" -> {
                if (p.currentToken() != JsonToken.START_ARRAY) {
                    throw HttpError.badRequest("states must be an array of rows, was " + describe(p.currentToken()));
                }
                float[] flat = new float[Math.min(maxRows, 64) * stateDim];
                int n = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    if (n == maxRows) {
                        throw HttpError.tooLarge("states has more than " + maxRows + " rows, the limit (HOTSERVE_MAX_BATCH_ROWS)");
                    }
                    if ((n + 1) * stateDim > flat.length) {
                        flat = Arrays.copyOf(flat, Math.min(maxRows, Math.max(1, n) * 2) * stateDim);
                    }
                    readRow(p, "states", n, flat, n * stateDim, stateDim);
                    n++;
                }
                r.rows = flat.length == n * stateDim ? flat : Arrays.copyOf(flat, n * stateDim);
                r.count = n;
                yield true;
            }
            case "deterministic" -> {
                r.deterministic = bool(p, "deterministic");
                yield true;
            }
            case "seed" -> {
                r.seed = seed(p);
                yield true;
            }
            default -> false;
        });
        if (r.count < 0) {
            throw HttpError.badRequest("missing field 'states': an array of rows of " + stateDim + " numbers");
        }
        if (r.count == 0) {
            throw HttpError.badRequest("states is empty; give at least one row");
        }
        return new BatchRequest(r.rows, r.count, r.deterministic, r.seed);
    }

    public BenchmarkRequest parseBenchmark(byte[] body, Limits limits) {
        var r = new Object() {
            int[] sizes = DEFAULT_BATCH_SIZES.clone();
            int iterations = Math.min(DEFAULT_ITERATIONS, limits.maxBenchmarkIterations());
            int warmup = Math.min(DEFAULT_WARMUP, limits.maxBenchmarkIterations());
        };
        readObject(body, true, (name, p) -> switch (name) {
            case "batch_sizes" -> {
                if (p.currentToken() != JsonToken.START_ARRAY) {
                    throw HttpError.badRequest("batch_sizes must be an array of integers, was " + describe(p.currentToken()));
                }
                int[] sizes = new int[MAX_BATCH_SIZES];
                int n = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    if (n == MAX_BATCH_SIZES) {
                        throw HttpError.badRequest("batch_sizes has more than " + MAX_BATCH_SIZES + " entries");
                    }
                    sizes[n] = integer(p, "batch_sizes[" + n + "]", 1, limits.maxBatchRows(), "HOTSERVE_MAX_BATCH_ROWS");
                    n++;
                }
                if (n == 0) {
                    throw HttpError.badRequest("batch_sizes is empty; give at least one batch size");
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
        readObject(body, false, (name, p) -> {
            if (!name.equals("generation")) {
                return false;
            }
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw HttpError.badRequest("generation must be an integer, was " + describe(p.currentToken()));
            }
            r.generation = p.getLongValue();
            if (r.generation < 1) {
                throw HttpError.badRequest("generation must be at least 1, was " + r.generation);
            }
            return true;
        });
        if (r.generation < 0) {
            throw HttpError.badRequest("missing field 'generation': the generation to roll back to");
        }
        return r.generation;
    }

    /**
     * One row of exactly {@code width} finite numbers into {@code dest} from {@code offset}; the
     * parser is on its START_ARRAY. {@code rowIndex} is -1 for a single state. Where a value sits
     * ("states[3][5]") is spelled out only for an error: this runs once per number.
     */
    private static void readRow(JsonParser p, String field, int rowIndex, float[] dest, int offset, int width) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_ARRAY) {
            throw HttpError.badRequest(at(field, rowIndex) + " must be an array of " + width + " numbers, was " + describe(t));
        }
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                throw HttpError.badRequest(at(field, rowIndex) + "[" + n + "] is not a number (" + describe(t) + ")");
            }
            if (p.isNaN()) {
                throw HttpError.badRequest(at(field, rowIndex) + "[" + n + "] is " + p.getText() + "; only finite numbers are accepted");
            }
            float f = p.getFloatValue();
            if (Float.isInfinite(f)) {
                throw HttpError.badRequest(at(field, rowIndex) + "[" + n + "] is " + p.getText() + ", beyond the range of a 32-bit float");
            }
            if (n < width) {
                dest[offset + n] = f;
            }
            n++;
        }
        if (n != width) {
            throw HttpError.badRequest(at(field, rowIndex) + " has " + n + " values, expected " + width);
        }
    }

    private static String at(String field, int rowIndex) {
        return rowIndex < 0 ? field : field + "[" + rowIndex + "]";
    }

    private static boolean bool(JsonParser p, String where) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            return t == JsonToken.VALUE_TRUE;
        }
        throw HttpError.badRequest(where + " must be a boolean, was " + describe(t));
    }

    private static OptionalLong seed(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return OptionalLong.empty();
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw HttpError.badRequest("seed must be an integer, was " + describe(t));
        }
        return OptionalLong.of(p.getLongValue());
    }

    private static int integer(JsonParser p, String where, int min, int max, String limitName) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw HttpError.badRequest(where + " must be an integer, was " + describe(t));
        }
        long v = p.getLongValue();
        if (v < min || v > max) {
            throw HttpError.badRequest(where + " must be " + min + "-" + max + " (limit " + limitName + "), was " + v);
        }
        return (int) v;
    }

    /** What a failed read of a body held in memory means: a client's bad JSON (400), or our bug. */
    static RuntimeException unreadable(IOException e) {
        return switch (e) {
            case InputCoercionException c -> HttpError.badRequest("a number is out of range: " + c.getOriginalMessage());
            case JsonProcessingException j -> HttpError.badRequest("malformed JSON: " + j.getOriginalMessage()
                    + (j.getLocation() == null ? "" : " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")"));
            // Jackson guesses UTF-16/32 from the first bytes; bytes that are no text in the guessed encoding are the client's.
            case CharConversionException c -> HttpError.badRequest("the request body is not JSON text (UTF-8): " + c.getMessage());
            default -> new UncheckedIOException("reading a request body held in memory", e);
        };
    }

    /** A token in words, for error messages ("an array", "a string"); OIP's parser says it the same way. */
    static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }

    // ---------------------------------------------------------------- writing

    /** Writes one JSON document with a generator. */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private byte[] write(int sizeHint, Body body) {
        return write(factory, sizeHint, body);
    }

    /** One JSON document into a byte array of about {@code sizeHint} bytes. */
    static byte[] write(JsonFactory factory, int sizeHint, Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonGenerator g = factory.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
        return out.toByteArray();
    }

    public byte[] detail(String message) {
        return message("detail", message);
    }

    /** {@code {"<field>": "<message>"}}: an error body. */
    public byte[] message(String field, String message) {
        return write(64 + message.length(), g -> {
            g.writeStartObject();
            g.writeStringField(field, message);
            g.writeEndObject();
        });
    }

    /** {@code action} is a number when an action has width 1, else an array (SPEC §5). */
    /** @param mtimeText the version's mtime as text, cached per model (formatting it per response showed in the profile) */
    public byte[] predict(float[] action, int actionDim, ModelVersion v, String mtimeText, double latencyMs) {
        return write(256, g -> {
            g.writeStartObject();
            g.writeFieldName("action");
            writeAction(g, action, 0, actionDim);
            servedBy(g, v, mtimeText);
            g.writeNumberField("latency_ms", latencyMs);
            g.writeEndObject();
        });
    }

    public byte[] predictBatch(float[] actions, int rows, int actionDim, ModelVersion v, String mtimeText, double latencyMs) {
        return write(256 + rows * actionDim * 12, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("actions");
            for (int r = 0; r < rows; r++) {
                writeAction(g, actions, r * actionDim, actionDim);
            }
            g.writeEndArray();
            g.writeNumberField("rows", rows);
            servedBy(g, v, mtimeText);
            g.writeNumberField("latency_ms", latencyMs);
            g.writeEndObject();
        });
    }

    private static void writeAction(JsonGenerator g, float[] a, int from, int width) throws IOException {
        if (width == 1) {
            g.writeNumber(a[from]);
            return;
        }
        g.writeStartArray();
        for (int i = 0; i < width; i++) {
            g.writeNumber(a[from + i]);
        }
        g.writeEndArray();
    }

    /** The fields that name the checkpoint that answered. */
    private static void servedBy(JsonGenerator g, ModelVersion v, String mtimeText) throws IOException {
        g.writeStringField("model_path", v.path().toString());
        g.writeStringField("model_mtime_utc", mtimeText);
        g.writeNumberField("generation", v.generation());
        g.writeBooleanField("jit_compiled", v.optimized());
    }

    public byte[] benchmark(ModelVersion v, BenchmarkRequest req, List<BenchmarkResult> results) {
        return write(512 + results.size() * 200, g -> {
            g.writeStartObject();
            servedBy(g, v, v.mtime().toString());
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

    public byte[] health(String name, ModelVersion v) {
        return write(256, g -> {
            g.writeStartObject();
            g.writeStringField("status", v == null ? "no_model" : "ok");
            g.writeStringField("name", name);
            g.writeBooleanField("loaded", v != null);
            g.writeNumberField("generation", v == null ? 0 : v.generation());
            if (v != null) {
                g.writeStringField("model_path", v.path().toString());
            }
            g.writeEndObject();
        });
    }

    /**
     * The info route's body: the serving version's fields at the top level, then the model's
     * state. With no model loaded it carries {@code detail} too (it is then a 503 body).
     */
    public byte[] info(ModelStatus s, RolloutPolicy policy, String detailWhenNone) {
        return write(1024, g -> {
            g.writeStartObject();
            ModelVersion v = s.current().orElse(null);
            if (v == null) {
                g.writeStringField("detail", detailWhenNone);
            }
            g.writeStringField("name", s.name());
            g.writeBooleanField("loaded", v != null);
            if (v != null) {
                writeVersionFields(g, v);
            }
            g.writeNumberField("generation", s.generation());
            g.writeBooleanField("pinned", s.pinned());
            g.writeStringField("mode", s.mode().name().toLowerCase(Locale.ROOT));
            g.writeStringField("source", s.source());
            writeSourceHealth(g, s.sourceHealth());
            if (s.pending().isPresent()) {
                g.writeStringField("pending", s.pending().get());
            } else {
                g.writeNullField("pending");
            }
            g.writeObjectFieldStart("batching");
            g.writeBooleanField("enabled", s.batching().enabled());
            g.writeNumberField("max_batch_size", s.batching().maxBatchSize());
            g.writeNumberField("max_queue_delay_ms", s.batching().maxQueueDelay().toNanos() / 1e6);
            g.writeBooleanField("adaptive_queue_delay", s.batching().adaptiveDelay());
            g.writeNumberField("max_queued_requests", s.batching().maxQueuedRequests());
            g.writeNumberField("queue_depth", s.queueDepth());
            g.writeEndObject();
            writeRollout(g, s.rollout(), policy);
            g.writeFieldName("last_error");
            LoadFailure f = s.lastError().orElse(null);
            if (f == null) {
                g.writeNull();
            } else {
                g.writeStartObject();
                g.writeStringField("path", f.path().toString());
                g.writeStringField("at", f.at().toString());
                g.writeStringField("reason", f.reason());
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    /** Whether the source could be reached, and when it last was (always reachable for local files). */
    private static void writeSourceHealth(JsonGenerator g, SourceHealth h) throws IOException {
        g.writeObjectFieldStart("source_health");
        g.writeBooleanField("reachable", h.reachable());
        g.writeStringField("last_reached", h.lastReached().map(Object::toString).orElse(null));
        g.writeStringField("last_error", h.lastError().orElse(null));
        g.writeNumberField("consecutive_failures", h.consecutiveFailures());
        g.writeEndObject();
    }

    /** SPEC §11: the rollout's phase, candidate or guarded previous version, and its figures so far. */
    private static void writeRollout(JsonGenerator g, RolloutStatus r, RolloutPolicy policy) throws IOException {
        g.writeObjectFieldStart("rollout");
        g.writeStringField("mode", policy.mode().name().toLowerCase(Locale.ROOT));
        g.writeStringField("phase", r.phase());
        writeOptionalVersion(g, "candidate", r.candidate());
        writeOptionalVersion(g, "previous", r.previous());
        g.writeStringField("since", r.since().map(Object::toString).orElse(null));
        g.writeStringField("until", r.until().map(Object::toString).orElse(null));
        g.writeObjectFieldStart("drift");
        g.writeNumberField("comparisons", r.comparisons());
        writeFinite(g, "p50", r.driftP50());
        writeFinite(g, "p99", r.driftP99());
        writeFinite(g, "max", r.driftMax());
        g.writeNumberField("max_allowed", policy.maxDrift());
        g.writeNumberField("skipped", r.skipped());
        g.writeEndObject();
        g.writeObjectFieldStart("candidate_traffic");
        g.writeNumberField("requests", r.candidateRequests());
        g.writeNumberField("errors", r.candidateErrors());
        g.writeNumberField("non_finite", r.candidateNonFinite());
        g.writeEndObject();
        g.writeObjectFieldStart("stable_traffic");
        g.writeNumberField("requests", r.stableRequests());
        g.writeNumberField("errors", r.stableErrors());
        g.writeNumberField("non_finite", r.stableNonFinite());
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeOptionalVersion(JsonGenerator g, String field, Optional<ModelVersion> v) throws IOException {
        if (v.isEmpty()) {
            g.writeNullField(field);
            return;
        }
        g.writeObjectFieldStart(field);
        g.writeNumberField("generation", v.get().generation());
        writeVersionFields(g, v.get());
        g.writeEndObject();
    }

    /** JSON has no NaN: a figure not known yet is null. */
    private static void writeFinite(JsonGenerator g, String field, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumberField(field, value);
        } else {
            g.writeNullField(field);
        }
    }

    /** Versions, newest first (as the core gives them). */
    public byte[] history(List<ModelVersion> versions) {
        return write(64 + versions.size() * 400, g -> {
            g.writeStartArray();
            for (ModelVersion v : versions) {
                g.writeStartObject();
                g.writeNumberField("generation", v.generation());
                writeVersionFields(g, v);
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** What the info route and each history entry say of a loaded version (the generation aside). */
    private static void writeVersionFields(JsonGenerator g, ModelVersion v) throws IOException {
        // The same on every replica that loaded the same checkpoint: what a fleet is compared by.
        g.writeStringField("version", v.name());
        g.writeStringField("checkpoint", v.source());
        g.writeStringField("path", v.path().toString());
        g.writeStringField("mtime", v.mtime().toString());
        g.writeNumberField("size", v.size());
        g.writeStringField("sha256", v.sha256());
        g.writeStringField("signer", v.signer().orElse(null)); // null: no signature was verified
        g.writeNumberField("state_dim", v.stateDim());
        g.writeNumberField("action_dim", v.actionDim());
        g.writeStringField("engine", v.engine());
        g.writeStringField("head", v.head());
        g.writeBooleanField("jit_compiled", v.optimized());
        g.writeStringField("loaded_at", v.loadedAt().toString());
        g.writeNumberField("load_duration_ms", millis(v.loadDuration()));
    }

    /** Reload events, newest first (as the core gives them). */
    public byte[] events(List<ReloadEvent> events) {
        return write(64 + events.size() * 300, g -> {
            g.writeStartArray();
            for (ReloadEvent e : events) {
                g.writeStartObject();
                g.writeStringField("at", e.at().toString());
                g.writeStringField("kind", e.kind().name().toLowerCase(Locale.ROOT));
                g.writeNumberField("old_generation", e.oldGeneration());
                g.writeNumberField("new_generation", e.newGeneration());
                if (e.path() == null) {
                    g.writeNullField("path");
                } else {
                    g.writeStringField("path", e.path().toString());
                }
                g.writeStringField("reason", e.reason());
                g.writeNumberField("duration_ms", millis(e.duration()));
                if (e.error() == null) {
                    g.writeNullField("error");
                } else {
                    g.writeStringField("error", e.error());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }
}
