package dev.hotserve.server.inference;

import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tensor as raw bytes, the one layout both transports carry: Triton's binary tensor data on
 * REST and {@code raw_input_contents} / {@code raw_output_contents} on gRPC. Little-endian,
 * row-major, BOOL one byte (0 or 1). Sizes are the caller's to check before: here the bytes given
 * are exactly the tensor's.
 */
public final class TensorBytes {

    private TensorBytes() {}

    /** How a transport words a BOOL byte that is neither 0 nor 1 (each keeps its own message). */
    @FunctionalInterface
    public interface BoolRefusal {
        String message(int index, byte value);
    }

    /** The bytes of {@code t} in this layout. */
    public static int byteSize(Tensor t) {
        return Math.multiplyExact(t.size(), t.type().byteSize());
    }

    /**
     * The tensor in {@code bytes} from its position: {@code count} elements of {@code type}.
     *
     * @throws InvalidInputException naming the input and the element, for a BOOL byte other than 0 or 1
     */
    public static Tensor decode(String input, DataType type, long[] shape, int count, ByteBuffer bytes, BoolRefusal refusal) {
        ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        return switch (type) {
            case FP32 -> {
                float[] a = new float[count];
                b.asFloatBuffer().get(a);
                yield Tensor.ofFloats(input, shape, a);
            }
            case FP64 -> {
                double[] a = new double[count];
                b.asDoubleBuffer().get(a);
                yield Tensor.ofDoubles(input, shape, a);
            }
            case INT32 -> {
                int[] a = new int[count];
                b.asIntBuffer().get(a);
                yield Tensor.ofInts(input, shape, a);
            }
            case INT64 -> {
                long[] a = new long[count];
                b.asLongBuffer().get(a);
                yield Tensor.ofLongs(input, shape, a);
            }
            case BOOL -> {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) {
                    byte x = b.get(i);
                    if (x != 0 && x != 1) {
                        throw new InvalidInputException(input, i, refusal.message(i, x));
                    }
                    a[i] = x == 1;
                }
                yield Tensor.ofBooleans(input, shape, a);
            }
        };
    }

    /** Writes {@code t} into {@code dest} from its position: {@link #byteSize} bytes. */
    public static void write(Tensor t, ByteBuffer dest) {
        ByteBuffer b = dest.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.type()) {
            case FP32 -> b.asFloatBuffer().put(t.floats());
            case FP64 -> b.asDoubleBuffer().put(t.doubles());
            case INT32 -> b.asIntBuffer().put(t.ints());
            case INT64 -> b.asLongBuffer().put(t.longs());
            case BOOL -> {
                boolean[] v = t.booleans();
                for (int i = 0; i < v.length; i++) {
                    b.put(i, v[i] ? (byte) 1 : 0);
                }
            }
        }
    }
}
