package dev.hotserve.server.inference;

import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tensor as raw bytes, the one layout both transports carry: Triton's binary tensor data on
 * REST and {@code raw_input_contents} / {@code raw_output_contents} on gRPC. Little-endian,
 * row-major, BOOL one byte (0 or 1), unsigned types and FP16 as their bits, BYTES elements each a
 * 4-byte little-endian length and that many bytes.
 *
 * <p>Every size here comes from a client: a fixed-size type's bytes must be exactly the shape's
 * (the caller checks that with {@link #fixedSize}); a BYTES blob is walked length by length, each
 * length checked against the bytes left, before any element is copied.
 */
public final class TensorBytes {

    private TensorBytes() {}

    /** How a transport words a value it refuses: each keeps its own message and names its own field. */
    @FunctionalInterface
    public interface Refusal {
        /** @param problem what is wrong with element {@code index} ("BOOL byte 3 is 7; BOOL is 0 or 1") */
        String message(int index, String problem);
    }

    /** The bytes of {@code t} in this layout. */
    public static int byteSize(Tensor t) {
        if (t.type() != DataType.BYTES) {
            return Math.multiplyExact(t.size(), t.type().byteSize());
        }
        int n = 0;
        for (byte[] e : t.byteStrings()) {
            n = Math.addExact(n, Math.addExact(4, e.length));
        }
        return n;
    }

    /**
     * The bytes {@code count} fixed-size elements of {@code type} take, or -1 when that is more
     * than an array can hold; BYTES has no fixed size (ask {@link #decode}).
     */
    public static long fixedSize(DataType type, int count) {
        if (!type.fixedSize()) {
            throw new IllegalArgumentException(type + " has no fixed element size");
        }
        return (long) count * type.byteSize();
    }

    /**
     * The tensor in all of {@code bytes} (from its position to its limit): {@code count} elements
     * of {@code type}. For a fixed-size type the bytes must be exactly {@link #fixedSize}; BYTES
     * must be exactly {@code count} length-prefixed elements.
     *
     * @throws InvalidInputException naming the input (and the element), for a BOOL byte other
     *     than 0 or 1, or BYTES lengths that do not fill the bytes exactly
     */
    public static Tensor decode(String input, DataType type, long[] shape, int count, ByteBuffer bytes, Refusal refusal) {
        ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (type == DataType.BYTES) {
            return Tensor.ofByteStrings(input, shape, byteStrings(input, b, count, refusal));
        }
        if (b.remaining() != fixedSize(type, count)) {
            throw new IllegalArgumentException("input '" + input + "': " + b.remaining() + " bytes for " + count + " " + type
                    + " values; the caller checks sizes first");
        }
        Object data = switch (type) {
            case FP32 -> {
                float[] a = new float[count];
                b.asFloatBuffer().get(a);
                yield a;
            }
            case FP64 -> {
                double[] a = new double[count];
                b.asDoubleBuffer().get(a);
                yield a;
            }
            case INT8, UINT8 -> {
                byte[] a = new byte[count];
                b.get(a);
                yield a;
            }
            case INT16, UINT16, FP16 -> {
                short[] a = new short[count];
                b.asShortBuffer().get(a);
                yield a;
            }
            case INT32, UINT32 -> {
                int[] a = new int[count];
                b.asIntBuffer().get(a);
                yield a;
            }
            case INT64, UINT64 -> {
                long[] a = new long[count];
                b.asLongBuffer().get(a);
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) {
                    byte x = b.get(i);
                    if (x != 0 && x != 1) {
                        throw new InvalidInputException(input, i, refusal.message(i, "BOOL byte " + i + " is " + x + "; BOOL is one byte, 0 or 1"));
                    }
                    a[i] = x == 1;
                }
                yield a;
            }
            case BYTES -> throw new IllegalStateException("BYTES is decoded above");
        };
        return Tensor.of(input, type, shape, data);
    }

    /**
     * {@code count} length-prefixed elements filling {@code b} exactly. The count is checked
     * against what the bytes can hold (every element takes at least its 4-byte length) before the
     * array of elements is made, and each length against the bytes left before it is copied.
     */
    private static byte[][] byteStrings(String input, ByteBuffer b, int count, Refusal refusal) {
        int length = b.remaining();
        if ((long) count * 4 > length) {
            throw new InvalidInputException(input, refusal.message(-1, count + " BYTES elements need at least " + 4L * count
                    + " bytes of lengths; there are " + length + " bytes"));
        }
        byte[][] elements = new byte[count][];
        int at = 0;
        for (int i = 0; i < count; i++) {
            int left = length - at;
            if (left < 4) {
                throw new InvalidInputException(input, i, refusal.message(i, "BYTES element " + i + " has no 4-byte length; " + left
                        + " bytes are left"));
            }
            long n = Integer.toUnsignedLong(b.getInt(at));
            at += 4;
            left -= 4;
            if (n > left) {
                throw new InvalidInputException(input, i, refusal.message(i, "BYTES element " + i + " says " + n
                        + " bytes, past the end of the data (" + left + " bytes left)"));
            }
            byte[] e = new byte[(int) n];
            b.get(at, e);
            elements[i] = e;
            at += (int) n;
        }
        if (at != length) {
            throw new InvalidInputException(input, refusal.message(-1, (length - at) + " bytes are left after its " + count
                    + " BYTES elements"));
        }
        return elements;
    }

    /**
     * How many length-prefixed BYTES elements fill {@code b} exactly (for a request whose shape is
     * deduced from its size), walking the lengths without copying anything.
     *
     * @throws InvalidInputException naming the input, when a length runs past the end
     */
    public static int countByteStrings(String input, ByteBuffer bytes, Refusal refusal) {
        ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        int length = b.remaining();
        int at = 0;
        int count = 0;
        while (at < length) {
            if (length - at < 4) {
                throw new InvalidInputException(input, count, refusal.message(count, "BYTES element " + count + " has no 4-byte length; "
                        + (length - at) + " bytes are left"));
            }
            long n = Integer.toUnsignedLong(b.getInt(at));
            at += 4;
            if (n > length - at) {
                throw new InvalidInputException(input, count, refusal.message(count, "BYTES element " + count + " says " + n
                        + " bytes, past the end of the data (" + (length - at) + " bytes left)"));
            }
            at += (int) n;
            count++;
        }
        return count;
    }

    /** Writes {@code t} into {@code dest} from its position: {@link #byteSize} bytes. */
    public static void write(Tensor t, ByteBuffer dest) {
        ByteBuffer b = dest.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.type()) {
            case FP32 -> b.asFloatBuffer().put(t.floats());
            case FP64 -> b.asDoubleBuffer().put(t.doubles());
            case INT8, UINT8 -> b.put(t.bytes());
            case INT16, UINT16, FP16 -> b.asShortBuffer().put(t.shorts());
            case INT32, UINT32 -> b.asIntBuffer().put(t.ints());
            case INT64, UINT64 -> b.asLongBuffer().put(t.longs());
            case BOOL -> {
                boolean[] v = t.booleans();
                for (int i = 0; i < v.length; i++) {
                    b.put(i, v[i] ? (byte) 1 : 0);
                }
            }
            case BYTES -> {
                for (byte[] e : t.byteStrings()) {
                    b.putInt(e.length).put(e);
                }
            }
        }
    }
}
