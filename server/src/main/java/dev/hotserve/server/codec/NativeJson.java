package dev.hotserve.server.codec;

import static dev.hotserve.server.codec.JsonKit.badBody;
import static dev.hotserve.server.codec.JsonKit.describe;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.server.inference.LimitExceededException;
import java.io.IOException;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The native API's inference bodies ({@code /<model>/predict}, {@code /predict/batch}), straight
 * between bytes and {@code float[]}: this is the hot path. Every refusal is an
 * {@link InvalidInputException} whose message names the field, and for batches the row; more rows
 * than the limit is a {@link LimitExceededException} (413).
 */
public final class NativeJson {

    private final JsonKit kit;

    public NativeJson(JsonKit kit) {
        this.kit = kit;
    }

    /** {@code {"state": [...], "deterministic": true, "seed": 42}} */
    public record PredictRequest(float[] state, boolean deterministic, OptionalLong seed) {}

    /** {@code {"states": [[...], ...], "deterministic": true, "seed": 42}}, rows flattened row-major. */
    public record BatchRequest(float[] rows, int rowCount, boolean deterministic, OptionalLong seed) {}

    public PredictRequest parsePredict(byte[] body, int stateDim) {
        var r = new Object() {
            float[] state;
            boolean deterministic = true;
            OptionalLong seed = OptionalLong.empty();
        };
        kit.readObject(body, (name, p) -> switch (name) {
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
            throw new InvalidInputException("state", "missing field 'state': an array of " + stateDim + " numbers");
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
        kit.readObject(body, (name, p) -> switch (name) {
            case "states" -> {
                if (p.currentToken() != JsonToken.START_ARRAY) {
                    throw new InvalidInputException("states", "states must be an array of rows, was " + describe(p.currentToken()));
                }
                float[] flat = new float[Math.min(maxRows, 64) * stateDim];
                int n = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    if (n == maxRows) {
                        throw new LimitExceededException("states has more than " + maxRows + " rows, the limit (HOTSERVE_MAX_BATCH_ROWS)");
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
            throw new InvalidInputException("states", "missing field 'states': an array of rows of " + stateDim + " numbers");
        }
        if (r.count == 0) {
            throw new InvalidInputException("states", "states is empty; give at least one row");
        }
        return new BatchRequest(r.rows, r.count, r.deterministic, r.seed);
    }

    /**
     * One row of exactly {@code width} finite numbers into {@code dest} from {@code offset}; the
     * parser is on its START_ARRAY. {@code rowIndex} is -1 for a single state. Where a value sits
     * ("states[3][5]") is spelled out only for an error: this runs once per number.
     */
    private static void readRow(JsonParser p, String field, int rowIndex, float[] dest, int offset, int width) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_ARRAY) {
            throw badBody(at(field, rowIndex) + " must be an array of " + width + " numbers, was " + describe(t));
        }
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                throw badBody(at(field, rowIndex) + "[" + n + "] is not a number (" + describe(t) + ")");
            }
            if (p.isNaN()) {
                throw badBody(at(field, rowIndex) + "[" + n + "] is " + p.getText() + "; only finite numbers are accepted");
            }
            float f = p.getFloatValue();
            if (Float.isInfinite(f)) {
                throw badBody(at(field, rowIndex) + "[" + n + "] is " + p.getText() + ", beyond the range of a 32-bit float");
            }
            if (n < width) {
                dest[offset + n] = f;
            }
            n++;
        }
        if (n != width) {
            throw badBody(at(field, rowIndex) + " has " + n + " values, expected " + width);
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
        throw new InvalidInputException(where, where + " must be a boolean, was " + describe(t));
    }

    private static OptionalLong seed(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return OptionalLong.empty();
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidInputException("seed", "seed must be an integer, was " + describe(t));
        }
        return OptionalLong.of(p.getLongValue());
    }

    // ---------------------------------------------------------------- writing

    /**
     * {@code action} is a number when an action has width 1, else an array.
     *
     * @param mtimeText the version's mtime as text, cached per model (formatting it per response showed in the profile)
     */
    public byte[] predict(float[] action, int actionDim, ModelVersion v, String mtimeText, double latencyMs) {
        return kit.write(256, g -> {
            g.writeStartObject();
            g.writeFieldName("action");
            writeAction(g, action, 0, actionDim);
            servedBy(g, v, mtimeText);
            g.writeNumberField("latency_ms", latencyMs);
            g.writeEndObject();
        });
    }

    public byte[] predictBatch(float[] actions, int rows, int actionDim, ModelVersion v, String mtimeText, double latencyMs) {
        return kit.write(256 + rows * actionDim * 12, g -> {
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

    /** The fields that name the checkpoint that answered (the benchmark's answer has them too). */
    static void servedBy(JsonGenerator g, ModelVersion v, String mtimeText) throws IOException {
        g.writeStringField("model_path", v.path().toString());
        g.writeStringField("model_mtime_utc", mtimeText);
        g.writeNumberField("generation", v.generation());
        g.writeBooleanField("jit_compiled", v.optimized());
    }
}
