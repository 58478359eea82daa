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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * The Open Inference Protocol's JSON (REST), straight between bytes and typed arrays with Jackson's
 * streaming API, like the native codec. An input's {@code data} may be flat or nested (row-major
 * either way); it is read into one array of the input's datatype, allocated once from the shape
 * after the shape was checked ({@link Dispatcher#elements}), so a huge shape costs nothing. When a
 * client sends {@code data} before {@code shape} and {@code datatype}, that one input is read as a
 * tree first and then the same way. Every refusal names the input, and the index where it helps.
 *
 * <p>With Triton's binary tensor data extension ({@link OipBinary}) the JSON is only the body's
 * header: an input with {@code parameters.binary_data_size} takes its values from the bytes after
 * it, and outputs asked for as binary ({@code binary_data_output}, or {@code binary_data} on one
 * output) are written after the JSON of the answer the same way.
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
        /** {@code parameters.binary_data_size}; -1 when the input's data is JSON */
        long binarySize = -1;
    }

    /**
     * An infer request as the protocol's body gave it: the request, and how each output is to be
     * written.
     *
     * @param binaryOutputs {@code parameters.binary_data_output}: every output binary unless it says otherwise
     * @param binaryByOutput an output's own {@code parameters.binary_data}, when it gave one
     */
    record InferBody(InferRequest request, boolean binaryOutputs, Map<String, Boolean> binaryByOutput) {
        InferBody {
            binaryByOutput = Map.copyOf(binaryByOutput);
        }

        boolean binary(String output) {
            return binaryByOutput.getOrDefault(output, binaryOutputs);
        }
    }

    /** An output asked for, with its {@code parameters.binary_data} when given. */
    private record RequestedOutput(String name, Optional<Boolean> binary) {}

    /**
     * @param jsonLength the JSON header's length: the body's length without binary data; the bytes
     *     after it are the binary inputs' data, in the order the inputs appear
     */
    InferBody parseInfer(byte[] body, int jsonLength, Dispatcher dispatcher) {
        OipBinary.Blobs blobs = new OipBinary.Blobs(body, jsonLength, body.length);
        var r = new Object() {
            Optional<String> id = Optional.empty();
            List<Tensor> inputs;
            List<RequestedOutput> outputs = List.of();
            boolean binaryOutputs = false;
            boolean deterministic = true;
            OptionalLong seed = OptionalLong.empty();
            Optional<String> routingKey = Optional.empty();
        };
        try (JsonParser p = factory.createParser(body, 0, jsonLength)) {
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
                            case "binary_data_output" -> r.binaryOutputs = bool(q, "parameters.binary_data_output");
                            default -> q.skipChildren();
                        }
                    });
                    case "inputs" -> r.inputs = readInputs(p, dispatcher, blobs);
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
        blobs.finish();
        Map<String, Boolean> binaryByOutput = new HashMap<>();
        List<String> names = new ArrayList<>(r.outputs.size());
        for (RequestedOutput o : r.outputs) {
            names.add(o.name());
            o.binary().ifPresent(b -> binaryByOutput.put(o.name(), b));
        }
        return new InferBody(new InferRequest(r.id, r.inputs, names, r.deterministic, r.seed, r.routingKey), r.binaryOutputs,
                binaryByOutput);
    }

    private static boolean bool(JsonParser p, String field) {
        JsonToken v = p.currentToken();
        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
            throw new InvalidInputException(field, field + " must be a boolean, was " + describe(v));
        }
        return v == JsonToken.VALUE_TRUE;
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

    private List<Tensor> readInputs(JsonParser p, Dispatcher dispatcher, OipBinary.Blobs blobs) throws IOException {
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
                    case "parameters" -> readParameters(p, (name, q) -> {
                        switch (name) {
                            case "binary_data_size" -> {
                                if (q.currentToken() != JsonToken.VALUE_NUMBER_INT || q.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                                        || q.getLongValue() < 0) {
                                    throw new InvalidInputException(label, "input '" + label
                                            + "': parameters.binary_data_size must be a non-negative integer, was "
                                            + (q.currentToken() == null ? "nothing" : q.getText()));
                                }
                                in.binarySize = q.getLongValue();
                            }
                            case "shared_memory_region", "shared_memory_byte_size", "shared_memory_offset" -> throw new InvalidInputException(
                                    label, "input '" + label + "': shared memory (parameters." + name + ") is not supported; send the"
                                            + " data in the body, as JSON or binary_data_size");
                            default -> q.skipChildren();
                        }
                    });
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
            if (in.binarySize >= 0) {
                if (in.tensor != null || in.deferredData != null) {
                    throw new InvalidInputException(in.name, "input '" + in.name + "' has both data and parameters.binary_data_size; give one");
                }
                in.tensor = blobs.take(in.name, in.type, in.shape, dispatcher.elements(in.name, in.shape), in.binarySize);
            }
            if (in.tensor == null) {
                if (in.deferredData == null) {
                    throw new InvalidInputException(in.name, "input '" + in.name + "' has no data (nor parameters.binary_data_size)");
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

    private static List<RequestedOutput> readOutputs(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidInputException("outputs", "outputs must be an array of {name}, was " + describe(p.currentToken()));
        }
        List<RequestedOutput> outputs = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String where = "outputs[" + outputs.size() + "]";
            if (t != JsonToken.START_OBJECT) {
                throw new InvalidInputException(where, where + " must be an object {name}, was " + describe(t));
            }
            var o = new Object() {
                String name;
                Optional<Boolean> binary = Optional.empty();
            };
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                t = p.nextToken();
                if (field.equals("name") && t == JsonToken.VALUE_STRING) {
                    o.name = p.getText();
                } else if (field.equals("parameters")) {
                    readParameters(p, (name, q) -> {
                        switch (name) {
                            case "binary_data" -> o.binary = Optional.of(bool(q, where + ".parameters.binary_data"));
                            case "classification" -> {
                                // Triton's classification extension: answering the plain tensor instead would be a wrong answer.
                                if (q.currentToken() != JsonToken.VALUE_NUMBER_INT || q.getLongValue() != 0) {
                                    throw new InvalidInputException(where, where + ".parameters.classification is not supported");
                                }
                            }
                            default -> q.skipChildren();
                        }
                    });
                } else {
                    p.skipChildren();
                }
            }
            if (o.name == null) {
                throw new InvalidInputException(where, where + " has no name");
            }
            outputs.add(new RequestedOutput(o.name, o.binary));
        }
        return outputs;
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

    /**
     * An infer answer: JSON alone, or a JSON header of {@code jsonLength} bytes followed by the
     * binary outputs' bytes in the order of the outputs.
     */
    record Encoded(byte[] body, int jsonLength, boolean binary) {}

    /** @param binaryOutput whether an output, by name, is to be written as binary data */
    Encoded inferResponse(InferResult r, Optional<String> id, Predicate<String> binaryOutput) {
        int jsonValues = 0;
        long binaryBytes = 0;
        List<Tensor> outputs = r.outputs();
        boolean[] binary = new boolean[outputs.size()];
        for (int i = 0; i < binary.length; i++) {
            Tensor t = outputs.get(i);
            binary[i] = binaryOutput.test(t.name());
            if (binary[i]) {
                binaryBytes += OipBinary.byteSize(t);
            } else {
                jsonValues += t.size();
            }
        }
        byte[] json = write(160 + jsonValues * 12 + binary.length * 48, g -> {
            g.writeStartObject();
            g.writeStringField("model_name", r.model());
            g.writeStringField("model_version", r.versionName());
            if (id.isPresent()) {
                g.writeStringField("id", id.get());
            }
            g.writeArrayFieldStart("outputs");
            for (int i = 0; i < binary.length; i++) {
                Tensor t = outputs.get(i);
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("datatype", t.type().wireName());
                g.writeFieldName("shape");
                writeShape(g, t.shape());
                if (binary[i]) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", OipBinary.byteSize(t));
                    g.writeEndObject();
                } else {
                    g.writeFieldName("data");
                    writeData(g, t);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
        if (!contains(binary)) {
            return new Encoded(json, json.length, false);
        }
        if (json.length + binaryBytes > Integer.MAX_VALUE - 16) {
            throw HttpError.serverError("the answer would be " + (json.length + binaryBytes) + " bytes, more than one response can hold");
        }
        byte[] all = Arrays.copyOf(json, (int) (json.length + binaryBytes));
        int at = json.length;
        for (int i = 0; i < binary.length; i++) {
            if (binary[i]) {
                OipBinary.write(outputs.get(i), all, at);
                at += OipBinary.byteSize(outputs.get(i));
            }
        }
        return new Encoded(all, json.length, true);
    }

    private static boolean contains(boolean[] flags) {
        for (boolean f : flags) {
            if (f) {
                return true;
            }
        }
        return false;
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
