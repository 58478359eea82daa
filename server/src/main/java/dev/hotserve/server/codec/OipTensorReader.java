package dev.hotserve.server.codec;

import static dev.hotserve.server.codec.JsonKit.badBody;
import static dev.hotserve.server.codec.JsonKit.describe;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.engine.DataType;
import dev.hotserve.engine.Half;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.server.inference.Dispatcher;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code inputs} of an Open Inference Protocol JSON body, straight from tokens into typed
 * arrays. An input's {@code data} may be flat or nested (row-major either way); it is read into
 * one array of the input's datatype, allocated once from the shape after the shape was checked
 * ({@link Dispatcher#elements}), so a huge shape costs nothing. When a client sends {@code data}
 * before {@code shape} and {@code datatype}, that one input is read as a tree first and then the
 * same way; an input with {@code parameters.binary_data_size} takes its values from the binary
 * part of the body ({@link OipBinary}). Every refusal names the input, and the index where it helps.
 */
final class OipTensorReader {

    private final JsonKit kit;

    OipTensorReader(JsonKit kit) {
        this.kit = kit;
    }

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


    @FunctionalInterface
    interface Parameter {
        void read(String name, JsonParser p) throws IOException;
    }

    /** The fields of a {@code parameters} object (null: none), one at a time. */
    static void readParameters(JsonParser p, Parameter each) throws IOException {
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

    /** {@code inputs}: the parser is on its first token. */
    List<Tensor> readInputs(JsonParser p, Dispatcher dispatcher, OipBinary.Blobs blobs) throws IOException {
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
                            in.deferredData = kit.trees().readTree(p);
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
                try (JsonParser q = in.deferredData.traverse(kit.trees())) {
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
        int[] i32 = type == DataType.INT32 || type == DataType.UINT32 ? new int[count] : null;
        long[] i64 = type == DataType.INT64 || type == DataType.UINT64 ? new long[count] : null;
        boolean[] b = type == DataType.BOOL ? new boolean[count] : null;
        byte[] i8 = type == DataType.INT8 || type == DataType.UINT8 ? new byte[count] : null;
        short[] i16 = type == DataType.INT16 || type == DataType.UINT16 || type == DataType.FP16 ? new short[count] : null;
        byte[][] s = type == DataType.BYTES ? new byte[count][] : null;
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
                throw badBody("malformed JSON: the data of input '" + input + "' ends early");
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
                case FP16 -> {
                    short h = Half.fromDouble(number(p, t, input, n));
                    if ((h & 0x7c00) == 0x7c00) {
                        throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + p.getText()
                                + ", beyond the range of FP16 (65504)");
                    }
                    i16[n] = h;
                }
                case INT8 -> i8[n] = (byte) ranged(p, t, input, n, type, Byte.MIN_VALUE, Byte.MAX_VALUE);
                case UINT8 -> i8[n] = (byte) ranged(p, t, input, n, type, 0, 0xff);
                case INT16 -> i16[n] = (short) ranged(p, t, input, n, type, Short.MIN_VALUE, Short.MAX_VALUE);
                case UINT16 -> i16[n] = (short) ranged(p, t, input, n, type, 0, 0xffff);
                case INT32 -> i32[n] = (int) ranged(p, t, input, n, type, Integer.MIN_VALUE, Integer.MAX_VALUE);
                case UINT32 -> i32[n] = (int) ranged(p, t, input, n, type, 0, 0xffff_ffffL);
                case INT64 -> i64[n] = integer(p, t, input, n);
                case UINT64 -> i64[n] = unsigned64(p, t, input, n);
                case BOOL -> {
                    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                        throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + describe(t)
                                + ", BOOL data is true or false");
                    }
                    b[n] = t == JsonToken.VALUE_TRUE;
                }
                case BYTES -> {
                    if (t != JsonToken.VALUE_STRING) {
                        throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + describe(t)
                                + ", BYTES data in JSON is strings (send other bytes as binary data)");
                    }
                    s[n] = utf8(p.getText(), input, n);
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
            case INT32, UINT32 -> Tensor.of(input, type, shape, i32);
            case INT64, UINT64 -> Tensor.of(input, type, shape, i64);
            case BOOL -> Tensor.ofBooleans(input, shape, b);
            case INT8, UINT8 -> Tensor.of(input, type, shape, i8);
            case INT16, UINT16, FP16 -> Tensor.of(input, type, shape, i16);
            case BYTES -> Tensor.ofByteStrings(input, shape, s);
        };
    }

    /** An integer of {@code type} within {@code [min, max]}. */
    private static long ranged(JsonParser p, JsonToken t, String input, int n, DataType type, long min, long max) throws IOException {
        long v = integer(p, t, input, n);
        if (v < min || v > max) {
            throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + v + ", beyond " + type.wireName()
                    + " (" + min + ".." + max + ")");
        }
        return v;
    }

    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** A UINT64 value 0..2^64-1, exactly (never through a double), as its bits. */
    private static long unsigned64(JsonParser p, JsonToken t, String input, int n) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + (t == JsonToken.VALUE_NUMBER_FLOAT
                    ? p.getText() : describe(t)) + ", not an integer");
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            BigInteger v = p.getBigIntegerValue();
            if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
                throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + p.getText()
                        + ", beyond UINT64 (0.." + UINT64_MAX + ")");
            }
            return v.longValue(); // the low 64 bits: the value's unsigned bits
        }
        long v = p.getLongValue();
        if (v < 0) {
            throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] is " + v + ", beyond UINT64 (0.."
                    + UINT64_MAX + ")");
        }
        return v;
    }

    /** A JSON string's UTF-8 bytes; one with an unpaired surrogate (a "\\ud800" escape) has none and is refused. */
    private static byte[] utf8(String text, String input, int n) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidInputException(input, n, "input '" + input + "': data[" + n + "] holds an unpaired surrogate (\\u"
                        + Integer.toHexString(c) + ") at character " + i + ", which has no UTF-8 encoding");
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
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
}
