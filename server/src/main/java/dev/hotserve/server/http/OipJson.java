package dev.hotserve.server.http;

import static dev.hotserve.server.http.JsonCodec.describe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.InferRequest;
import dev.hotserve.server.inference.InferResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The Open Inference Protocol's JSON (REST), straight between bytes and typed arrays with Jackson's
 * streaming API, like the native codec. An input's {@code data} may be flat or nested (row-major
 * either way); it is read into one array of the input's datatype, allocated once from the shape
 * after the shape was checked ({@link Dispatcher#elements}), so a huge shape costs nothing. When a
 * client sends {@code data} before {@code shape} and {@code datatype}, that one input is read as a
 * tree first and then the same way. Every refusal names the input, and the index where it helps.
 */
final class OipJson {

    private final JsonFactory factory = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // so NaN is refused by name, not as a syntax error
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();
    private final ObjectMapper trees = new ObjectMapper(factory);

    // ---------------------------------------------------------------- parsing

    /** One input as read so far. */
    private static final class Input {
        String name;
        long[] shape;
        DataType type;
        Tensor tensor;
        JsonNode deferredData;
    }

    InferRequest parseInfer(byte[] body, Dispatcher dispatcher) {
        var r = new Object() {
            Optional<String> id = Optional.empty();
            List<Tensor> inputs;
            List<String> outputs = List.of();
            boolean deterministic = true;
            OptionalLong seed = OptionalLong.empty();
            Optional<String> routingKey = Optional.empty();
        };
        try (JsonParser p = factory.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw HttpError.badRequest(t == null ? "the request body is empty; send {\"inputs\": [...]}"
                        : "the request body must be a JSON object, was " + describe(t));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                t = p.nextToken();
                switch (field) {
                    case "id" -> {
                        if (t != JsonToken.VALUE_STRING) {
                            throw new InvalidInputException("id", "id must be a string, was " + describe(t));
                        }
                        r.id = Optional.of(p.getText());
                    }
                    case "parameters" -> readParameters(p, (name, q) -> {
                        switch (name) {
                            case "deterministic" -> {
                                JsonToken v = q.currentToken();
                                if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                                    throw new InvalidInputException("parameters.deterministic",
                                            "parameters.deterministic must be a boolean, was " + describe(v));
                                }
                                r.deterministic = v == JsonToken.VALUE_TRUE;
                            }
                            case "seed" -> {
                                if (q.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                                    throw new InvalidInputException("parameters.seed", "parameters.seed must be an integer, was "
                                            + describe(q.currentToken()));
                                }
                                r.seed = OptionalLong.of(q.getLongValue());
                            }
                            case "routing_key" -> {
                                if (q.currentToken() != JsonToken.VALUE_STRING) {
                                    throw new InvalidInputException("parameters.routing_key", "parameters.routing_key must be a string, was "
                                            + describe(q.currentToken()));
                                }
                                r.routingKey = Optional.of(q.getText());
                            }
                            default -> q.skipChildren();
                        }
                    });
                    case "inputs" -> r.inputs = readInputs(p, dispatcher);
                    case "outputs" -> r.outputs = readOutputs(p);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw HttpError.badRequest("malformed JSON: unexpected content after the object");
            }
        } catch (IOException e) {
            throw JsonCodec.unreadable(e);
        }
        if (r.inputs == null) {
            throw new InvalidInputException("inputs", "missing field 'inputs': an array of {name, shape, datatype, data}");
        }
        return new InferRequest(r.id, r.inputs, r.outputs, r.deterministic, r.seed, r.routingKey);
    }

    @FunctionalInterface
    private interface Parameter {
        void read(String name, JsonParser p) throws IOException;
    }

    private static void readParameters(JsonParser p, Parameter each) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return;
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new InvalidInputException("parameters", "parameters must be an object, was " + describe(p.currentToken()));
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            each.read(name, p);
        }
    }

    private List<Tensor> readInputs(JsonParser p, Dispatcher dispatcher) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidInputException("inputs", "inputs must be an array of {name, shape, datatype, data}, was "
                    + describe(p.currentToken()));
        }
        List<Tensor> inputs = new ArrayList<>(4);
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            dispatcher.checkInputCount(inputs.size() + 1);
            String where = "inputs[" + inputs.size() + "]";
            if (t != JsonToken.START_OBJECT) {
                throw new InvalidInputException(where, where + " must be an object {name, shape, datatype, data}, was " + describe(t));
            }
            Input in = new Input();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                t = p.nextToken();
                String label = in.name != null ? in.name : where;
                switch (field) {
                    case "name" -> {
                        if (t != JsonToken.VALUE_STRING || p.getText().isEmpty()) {
                            throw new InvalidInputException(where, where + ".name must be a non-empty string, was " + describe(t));
                        }
                        in.name = p.getText();
                    }
                    case "datatype" -> {
                        if (t != JsonToken.VALUE_STRING) {
                            throw new InvalidInputException(label, "input '" + label + "': datatype must be a string such as \"FP32\", was "
                                    + describe(t));
                        }
                        in.type = DataType.parse(p.getText(), label);
                    }
                    case "shape" -> in.shape = readShape(p, label);
                    case "data" -> {
                        if (in.shape != null && in.type != null && in.name != null) {
                            in.tensor = readData(p, in.name, in.type, in.shape, dispatcher.elements(in.name, in.shape));
                        } else {
                            in.deferredData = trees.readTree(p);
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (in.name == null) {
                throw new InvalidInputException(where, where + " has no name");
            }
            if (in.type == null) {
                throw new InvalidInputException(in.name, "input '" + in.name + "' has no datatype (one of " + DataType.supported() + ")");
            }
            if (in.shape == null) {
                throw new InvalidInputException(in.name, "input '" + in.name + "' has no shape");
            }
            if (in.tensor == null) {
                if (in.deferredData == null) {
                    throw new InvalidInputException(in.name, "input '" + in.name + "' has no data");
                }
                int count = dispatcher.elements(in.name, in.shape);
                try (JsonParser q = in.deferredData.traverse(trees)) {
                    q.nextToken();
                    in.tensor = readData(q, in.name, in.type, in.shape, count);
                }
            }
            inputs.add(in.tensor);
        }
        return inputs;
    }

    private static long[] readShape(JsonParser p, String input) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidInputException(input, "input '" + input + "': shape must be an array of integers, was " + describe(p.currentToken()));
        }
        long[] shape = new long[4];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            long d;
            if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                d = p.getLongValue();
            } else if (t == JsonToken.VALUE_NUMBER_FLOAT && p.getDoubleValue() == Math.rint(p.getDoubleValue())
                    && Math.abs(p.getDoubleValue()) < 9.2e18) {
                d = (long) p.getDoubleValue(); // 1e12 is an integer written as a float: refused below by its size, not its spelling
            } else {
                throw new InvalidInputException(input, n, "input '" + input + "': shape[" + n + "] must be an integer, was " + p.getText());
            }
            if (d < 0) {
                throw new InvalidInputException(input, n, "input '" + input + "': shape[" + n + "] is " + d + "; dimensions are >= 0");
            }
            if (n == 8) {
                throw new InvalidInputException(input, "input '" + input + "': shape has more than 8 dimensions");
            }
            if (n == shape.length) {
                shape = Arrays.copyOf(shape, 8);
            }
            shape[n++] = d;
        }
        return Arrays.copyOf(shape, n);
    }

    /** {@code data}, flat or nested, into one array of {@code count} values; the parser is on its first token. */
    private static Tensor readData(JsonParser p, String input, DataType type, long[] shape, int count) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_ARRAY) {
            throw new InvalidInputException(input, "input '" + input + "': data must be an array (flat or nested, row-major), was "
                    + describe(t));
        }
        float[] f = type == DataType.FP32 ? new float[count] : null;
        double[] d = type == DataType.FP64 ? new double[count] : null;
        int[] i32 = type == DataType.INT32 ? new int[count] : null;
        long[] i64 = type == DataType.INT64 ? new long[count] : null;
        boolean[] b = type == DataType.BOOL ? new boolean[count] : null;
        int n = 0;
        int depth = 1;
        while (depth > 0) {
            t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                depth++;
                continue;
            }
            if (t == JsonToken.END_ARRAY) {
                depth--;
                continue;
            }
            if (t == null) {
                throw HttpError.badRequest("malformed JSON: the data of input '" + input + "' ends early");
            }
            if (n == count) {
                throw new InvalidInputException(input, n, "input '" + input + "': data has more than the " + count + " values shape "
                        + Arrays.toString(shape) + " needs");
            }
            switch (type) {
                case FP32 -> {
                    double v = number(p, t, input, n);
                    float x = (float) v;
                    if (Float.isInfinite(x)) {
                        throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + p.getText()
                                + ", beyond the range of FP32");
                    }
                    f[n] = x;
                }
                case FP64 -> d[n] = number(p, t, input, n);
                case INT32 -> {
                    long v = integer(p, t, input, n);
                    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                        throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + v + ", beyond INT32");
                    }
                    i32[n] = (int) v;
                }
                case INT64 -> i64[n] = integer(p, t, input, n);
                case BOOL -> {
                    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                        throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + describe(t)
                                + ", BOOL data is true or false");
                    }
                    b[n] = t == JsonToken.VALUE_TRUE;
                }
            }
            n++;
        }
        if (n != count) {
            throw new InvalidInputException(input, "input '" + input + "': data has " + n + " values, shape " + Arrays.toString(shape)
                    + " needs " + count);
        }
        return switch (type) {
            case FP32 -> Tensor.ofFloats(input, shape, f);
            case FP64 -> Tensor.ofDoubles(input, shape, d);
            case INT32 -> Tensor.ofInts(input, shape, i32);
            case INT64 -> Tensor.ofLongs(input, shape, i64);
            case BOOL -> Tensor.ofBooleans(input, shape, b);
        };
    }

    private static double number(JsonParser p, JsonToken t, String input, int n) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + describe(t) + ", not a number");
        }
        if (p.isNaN()) {
            throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + p.getText()
                    + "; only finite numbers are accepted");
        }
        double v = p.getDoubleValue();
        if (Double.isInfinite(v)) {
            throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + p.getText() + ", beyond FP64");
        }
        return v;
    }

    private static long integer(JsonParser p, JsonToken t, String input, int n) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + (t == JsonToken.VALUE_NUMBER_FLOAT
                    ? p.getText() : describe(t)) + ", not an integer");
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + p.getText() + ", beyond INT64");
        }
        return p.getLongValue();
    }

    private static List<String> readOutputs(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidInputException("outputs", "outputs must be an array of {name}, was " + describe(p.currentToken()));
        }
        List<String> names = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String where = "outputs[" + names.size() + "]";
            if (t != JsonToken.START_OBJECT) {
                throw new InvalidInputException(where, where + " must be an object {name}, was " + describe(t));
            }
            String name = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                t = p.nextToken();
                if (field.equals("name") && t == JsonToken.VALUE_STRING) {
                    name = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (name == null) {
                throw new InvalidInputException(where, where + " has no name");
            }
            names.add(name);
        }
        return names;
    }

    /** The repository load body's {@code parameters.config}: a string of JSON (or the object itself); empty when absent. */
    Optional<String> parseLoadConfig(byte[] body) {
        if (body.length == 0) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = trees.readTree(body);
        } catch (IOException e) {
            throw HttpError.badRequest("malformed JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Optional.empty();
        }
        if (!root.isObject()) {
            throw HttpError.badRequest("the request body must be a JSON object {\"parameters\": {\"config\": \"...\"}}");
        }
        JsonNode config = root.path("parameters").path("config");
        if (config.isMissingNode() || config.isNull()) {
            return Optional.empty();
        }
        if (config.isTextual()) {
            return Optional.of(config.asText());
        }
        if (config.isObject()) {
            return Optional.of(config.toString());
        }
        throw HttpError.badRequest("parameters.config must be a string holding one model entry of the config file as JSON, was "
                + config.getNodeType().name().toLowerCase(Locale.ROOT));
    }

    // ---------------------------------------------------------------- writing

    private byte[] write(int sizeHint, JsonCodec.Body body) {
        return JsonCodec.write(factory, sizeHint, body);
    }

    byte[] inferResponse(InferResult r, Optional<String> id) {
        int values = 0;
        for (Tensor t : r.outputs()) {
            values += t.size();
        }
        return write(160 + values * 12, g -> {
            g.writeStartObject();
            g.writeStringField("model_name", r.model());
            g.writeStringField("model_version", r.versionName());
            if (id.isPresent()) {
                g.writeStringField("id", id.get());
            }
            g.writeArrayFieldStart("outputs");
            for (Tensor t : r.outputs()) {
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("datatype", t.type().wireName());
                g.writeFieldName("shape");
                writeShape(g, t.shape());
                g.writeFieldName("data");
                writeData(g, t);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void writeShape(JsonGenerator g, long[] shape) throws IOException {
        g.writeStartArray();
        for (long d : shape) {
            g.writeNumber(d);
        }
        g.writeEndArray();
    }

    private static void writeData(JsonGenerator g, Tensor t) throws IOException {
        int bad = t.firstNonFinite();
        if (bad >= 0) {
            // JSON has no NaN: the model's fault, not the request's.
            throw HttpError.serverError("the model produced a non-finite value (" + t.valueAt(bad) + ") in output '" + t.name()
                    + "' at index " + bad);
        }
        g.writeStartArray();
        switch (t.type()) {
            case FP32 -> {
                for (float v : t.floats()) {
                    g.writeNumber(v);
                }
            }
            case FP64 -> {
                for (double v : t.doubles()) {
                    g.writeNumber(v);
                }
            }
            case INT32 -> {
                for (int v : t.ints()) {
                    g.writeNumber(v);
                }
            }
            case INT64 -> {
                for (long v : t.longs()) {
                    g.writeNumber(v);
                }
            }
            case BOOL -> {
                for (boolean v : t.booleans()) {
                    g.writeBoolean(v);
                }
            }
        }
        g.writeEndArray();
    }

    byte[] serverMetadata(String name, String version, List<String> extensions) {
        return write(128, g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeStringField("version", version);
            g.writeArrayFieldStart("extensions");
            for (String e : extensions) {
                g.writeString(e);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    byte[] modelMetadata(String name, List<String> versions, String platform, List<TensorSpec> inputs, List<TensorSpec> outputs,
            java.util.Map<String, String> parameters) {
        return write(512, g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeArrayFieldStart("versions");
            for (String v : versions) {
                g.writeString(v);
            }
            g.writeEndArray();
            g.writeStringField("platform", platform);
            writeSpecs(g, "inputs", inputs);
            writeSpecs(g, "outputs", outputs);
            g.writeObjectFieldStart("parameters");
            for (java.util.Map.Entry<String, String> e : parameters.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private static void writeSpecs(JsonGenerator g, String field, List<TensorSpec> specs) throws IOException {
        g.writeArrayFieldStart(field);
        for (TensorSpec s : specs) {
            g.writeStartObject();
            g.writeStringField("name", s.name());
            g.writeStringField("datatype", s.type().wireName());
            g.writeFieldName("shape");
            writeShape(g, s.shape());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    byte[] ready(String field, boolean value, String name) {
        return write(64, g -> {
            g.writeStartObject();
            if (name != null) {
                g.writeStringField("name", name);
            }
            g.writeBooleanField(field, value);
            g.writeEndObject();
        });
    }

    /** One entry of the repository index. */
    record IndexEntry(String name, String version, String state, String reason) {}

    byte[] repositoryIndex(List<IndexEntry> entries) {
        return write(64 + entries.size() * 160, g -> {
            g.writeStartArray();
            for (IndexEntry e : entries) {
                g.writeStartObject();
                g.writeStringField("name", e.name());
                if (e.version() != null) {
                    g.writeStringField("version", e.version());
                }
                g.writeStringField("state", e.state());
                g.writeStringField("reason", e.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    byte[] emptyObject() {
        return "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
