package dev.hotserve.server.codec;

import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import dev.hotserve.server.inference.TensorBytes;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntBiFunction;

/**
 * Triton's binary tensor data extension: a body is a JSON header of
 * {@code Inference-Header-Content-Length} bytes, then each binary tensor's raw bytes in the order
 * the tensors appear, little-endian and row-major, BOOL one byte, BYTES elements as a 4-byte
 * little-endian length and the bytes.
 *
 * <p>Every length here comes from the client, so each one is checked against what is really there
 * (the body, the shape times the datatype's size) before an array is allocated for it: a hostile
 * size costs a 400, never memory.
 */
public final class OipBinary {

    /** The request's and the response's header giving the JSON header's length in bytes. */
    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    public static final String OCTET_STREAM = "application/octet-stream";

    private OipBinary() {}

    /**
     * The JSON header's length: the whole body when the header is absent.
     *
     * @throws InvalidInputException for a value that is not a non-negative integer or that runs past the body
     */
    public static int headerLength(Optional<String> value, int bodyLength) {
        if (value.isEmpty()) {
            return bodyLength;
        }
        String text = value.get().trim();
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(HEADER_LENGTH, HEADER_LENGTH + " must be a non-negative integer, was '" + text + "'");
        }
        if (n < 0) {
            throw new InvalidInputException(HEADER_LENGTH, HEADER_LENGTH + " is " + n + "; it must not be negative");
        }
        if (n > bodyLength) {
            throw new InvalidInputException(HEADER_LENGTH, HEADER_LENGTH + " is " + n + ", past the end of the " + bodyLength + "-byte body");
        }
        return (int) n;
    }

    /**
     * The binary part of a body, handed out to the inputs in order. Each {@link #take} checks the
     * input's declared size against its shape and against the bytes left; {@link #finish} that
     * every byte was claimed.
     */
    static final class Blobs {
        private final byte[] body;
        private final int end;
        private final int start;
        private int next;

        /** The bytes {@code body[start..end)}. */
        Blobs(byte[] body, int start, int end) {
            if (start < 0 || start > end || end > body.length) {
                throw new IllegalArgumentException("blobs [" + start + ", " + end + ") of a " + body.length + "-byte body");
            }
            this.body = body;
            this.start = start;
            this.end = end;
            this.next = start;
        }

        int remaining() {
            return end - next;
        }

        /**
         * The next {@code declaredSize} bytes as the input's tensor.
         *
         * @param count the element count of {@code shape}, already checked against the limits
         * @throws InvalidInputException naming the input, when the size does not fit the shape or the body
         */
        Tensor take(String input, DataType type, long[] shape, int count, long declaredSize) {
            if (type.fixedSize()) {
                long want = TensorBytes.fixedSize(type, count);
                if (declaredSize != want) {
                    throw new InvalidInputException(input, "input '" + input + "': binary_data_size is " + declaredSize + "; shape "
                            + Arrays.toString(shape) + " of " + type.wireName() + " needs " + want + " bytes");
                }
            }
            if (declaredSize > remaining()) {
                throw new InvalidInputException(input, "input '" + input + "': binary_data_size " + declaredSize
                        + " runs past the end of the body: " + remaining() + " bytes of binary data are left for it");
            }
            int at = next;
            next += (int) declaredSize;
            return decode(input, type, shape, count, body, at, (int) declaredSize);
        }

        /** @throws InvalidInputException when bytes are left over that no input's {@code binary_data_size} accounts for */
        void finish() {
            if (next != end) {
                throw JsonKit.badBody("the body has " + (end - start) + " bytes of binary data after the JSON header, but the inputs'"
                        + " binary_data_size add up to " + (next - start));
            }
        }
    }

    private static Tensor decode(String input, DataType type, long[] shape, int count, byte[] body, int at, int length) {
        return TensorBytes.decode(input, type, shape, count, ByteBuffer.wrap(body, at, length), refusal(input));
    }

    private static TensorBytes.Refusal refusal(String input) {
        return (i, problem) -> "input '" + input + "': " + problem;
    }

    /**
     * Triton's raw binary request ({@code Inference-Header-Content-Length: 0}): the whole body is the
     * data of the model's one input, its datatype the model's, its shape the model's with the one
     * variable dimension (the batch, typically) deduced from the body's size.
     *
     * @param elements checks a shape's element count against the limits ({@link dev.hotserve.server.inference.Dispatcher#elements})
     * @throws InvalidInputException naming the input when the model has several inputs or the size does not fit its shape
     */
    public static Tensor rawInput(List<TensorSpec> inputs, byte[] body, ToIntBiFunction<String, long[]> elements) {
        if (inputs.size() != 1) {
            throw new InvalidInputException("inputs", "a raw binary request (" + HEADER_LENGTH + ": 0) is for a model of one input; this"
                    + " model has " + inputs.size() + ": " + ModelSignature.describe(inputs) + ". Send a JSON header first");
        }
        TensorSpec spec = inputs.get(0);
        String name = spec.name();
        long[] shape = spec.shape();
        int variable = -1;
        long fixed = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                if (variable >= 0) {
                    throw new InvalidInputException(name, "input '" + name + "' has more than one variable dimension "
                            + Arrays.toString(shape) + ", so a raw binary request cannot give its shape; send a JSON header first");
                }
                variable = i;
            } else {
                fixed = Math.multiplyExact(fixed, shape[i]);
            }
        }
        // What the body holds, in the unit the shape counts: bytes of a fixed-size type, elements of BYTES.
        long units = spec.type().fixedSize() ? body.length : TensorBytes.countByteStrings(name, ByteBuffer.wrap(body), refusal(name));
        long step = spec.type().fixedSize() ? Math.multiplyExact(fixed, spec.type().byteSize()) : fixed;
        String unit = spec.type().fixedSize() ? "bytes" : "BYTES elements";
        if (variable >= 0) {
            if (step == 0 || units % step != 0) {
                throw new InvalidInputException(name, "input '" + name + "': the raw binary body holds " + units + " " + unit + ", not a"
                        + " multiple of the " + step + " " + unit + " that one step of dimension " + variable + " of "
                        + Arrays.toString(shape) + " " + spec.type().wireName() + " takes");
            }
            shape[variable] = units / step;
        } else if (units != step) {
            throw new InvalidInputException(name, "input '" + name + "': the raw binary body holds " + units + " " + unit + "; shape "
                    + Arrays.toString(shape) + " of " + spec.type().wireName() + " needs " + step);
        }
        int count = elements.applyAsInt(name, shape);
        return new Blobs(body, 0, body.length).take(name, spec.type(), shape, count, body.length);
    }

    /**
     * The elements of a BYTES tensor's blob: {@code count} times a 4-byte little-endian unsigned
     * length and that many bytes, filling the blob exactly. Each length is checked against the
     * bytes left before its element is copied.
     *
     * @throws InvalidInputException naming the input and the element
     */
    static byte[][] bytesElements(String input, byte[] blob, int offset, int length, int count) {
        if (offset < 0 || length < 0 || offset > blob.length - length) {
            throw new IllegalArgumentException("[" + offset + ", +" + length + ") of a " + blob.length + "-byte array");
        }
        return decode(input, DataType.BYTES, new long[] {count}, count, blob, offset, length).byteStrings();
    }

    // ---------------------------------------------------------------- writing

    /** The bytes of a tensor's blob. */
    static int byteSize(Tensor t) {
        return TensorBytes.byteSize(t);
    }

    /** Writes a tensor's blob into {@code dest} at {@code offset}; {@link #byteSize} bytes. */
    static void write(Tensor t, byte[] dest, int offset) {
        TensorBytes.write(t, ByteBuffer.wrap(dest, offset, byteSize(t)));
    }
}
