package dev.hotserve.engine;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named, typed, shaped tensor, held as one flat row-major Java array of its type's
 * {@linkplain DataType#carrier() carrier}: {@code float[]} (FP32), {@code double[]} (FP64),
 * {@code boolean[]} (BOOL), {@code byte[]} (INT8, UINT8), {@code short[]} (INT16, UINT16, FP16),
 * {@code int[]} (INT32, UINT32), {@code long[]} (INT64, UINT64), {@code byte[][]} (BYTES, one byte
 * string per element). Unsigned values and FP16 are their bits (see {@link DataType}).
 *
 * <p>The array is not copied, in or out: a tensor is a view on the caller's data, which must not
 * change it while the tensor is in use. That keeps a request's values in one array from the
 * parser to the engine. The factories check that the array holds exactly as many values as the
 * shape says, with overflow-safe arithmetic.
 */
public final class Tensor {

    private final String name;
    private final DataType type;
    private final long[] shape;
    private final Object data;

    private Tensor(String name, DataType type, long[] shape, Object data, int length) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = type;
        this.shape = shape.clone();
        this.data = data;
        long count = elementCount(this.shape);
        if (count != length) {
            throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape) + " needs " + count
                    + " values, the array holds " + length);
        }
    }

    public static Tensor ofFloats(String name, long[] shape, float[] data) {
        return new Tensor(name, DataType.FP32, shape, data, data.length);
    }

    public static Tensor ofDoubles(String name, long[] shape, double[] data) {
        return new Tensor(name, DataType.FP64, shape, data, data.length);
    }

    public static Tensor ofInts(String name, long[] shape, int[] data) {
        return new Tensor(name, DataType.INT32, shape, data, data.length);
    }

    public static Tensor ofLongs(String name, long[] shape, long[] data) {
        return new Tensor(name, DataType.INT64, shape, data, data.length);
    }

    public static Tensor ofBooleans(String name, long[] shape, boolean[] data) {
        return new Tensor(name, DataType.BOOL, shape, data, data.length);
    }

    /** BYTES: each element its own byte string (none null). */
    public static Tensor ofByteStrings(String name, long[] shape, byte[][] data) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == null) {
                throw new IllegalArgumentException("tensor '" + name + "': BYTES element " + i + " is null");
            }
        }
        return new Tensor(name, DataType.BYTES, shape, data, data.length);
    }

    /**
     * Any type, from an array of its {@linkplain DataType#carrier() carrier}: {@code long[]} for
     * UINT64 holds the values' bits, {@code short[]} for FP16 the half-precision bits.
     *
     * @throws IllegalArgumentException when the array is not of the type's carrier or its length
     *     does not match the shape
     */
    public static Tensor of(String name, DataType type, long[] shape, Object data) {
        if (data == null || data.getClass() != type.carrier()) {
            throw new IllegalArgumentException("tensor '" + name + "': " + type.wireName() + " values are held in a "
                    + type.carrier().getSimpleName() + ", not " + (data == null ? "null" : data.getClass().getSimpleName()));
        }
        if (type == DataType.BYTES) {
            return ofByteStrings(name, shape, (byte[][]) data);
        }
        return new Tensor(name, type, shape, data, java.lang.reflect.Array.getLength(data));
    }

    /** {@code rows} rows of {@code width} floats: shape {@code [rows, width]}. */
    public static Tensor rows(String name, float[] data, int rows, int width) {
        return ofFloats(name, new long[] {rows, width}, data);
    }

    /** A tensor of zeros (false for BOOL, empty strings for BYTES) of the given type and shape. */
    public static Tensor zeros(String name, DataType type, long[] shape) {
        int n = Math.toIntExact(elementCount(shape));
        return of(name, type, shape, switch (type) {
            case FP32 -> new float[n];
            case FP64 -> new double[n];
            case BOOL -> new boolean[n];
            case INT8, UINT8 -> new byte[n];
            case INT16, UINT16, FP16 -> new short[n];
            case INT32, UINT32 -> new int[n];
            case INT64, UINT64 -> new long[n];
            case BYTES -> {
                byte[][] empty = new byte[n][];
                java.util.Arrays.fill(empty, new byte[0]);
                yield empty;
            }
        });
    }

    /**
     * The number of elements of a shape: the product of its dimensions (1 for rank 0).
     *
     * @throws IllegalArgumentException for a negative dimension
     * @throws ArithmeticException when the product overflows a long
     */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("a tensor's dimensions must not be negative, was " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public String name() {
        return name;
    }

    public DataType type() {
        return type;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    /** How many values it holds. */
    public int size() {
        return switch (type) {
            case FP32 -> ((float[]) data).length;
            case FP64 -> ((double[]) data).length;
            case BOOL -> ((boolean[]) data).length;
            case INT8, UINT8 -> ((byte[]) data).length;
            case INT16, UINT16, FP16 -> ((short[]) data).length;
            case INT32, UINT32 -> ((int[]) data).length;
            case INT64, UINT64 -> ((long[]) data).length;
            case BYTES -> ((byte[][]) data).length;
        };
    }

    /** The same values under another name (no copy). */
    public Tensor named(String newName) {
        return new Tensor(newName, type, shape, data, size());
    }

    /** The values of an FP32 tensor, not copied. */
    public float[] floats() {
        return (float[]) as(DataType.FP32);
    }

    /** The values of an FP64 tensor, not copied. */
    public double[] doubles() {
        return (double[]) as(DataType.FP64);
    }

    /** The values of an INT32 tensor, or the bits of a UINT32 tensor's, not copied. */
    public int[] ints() {
        return (int[]) as(DataType.INT32, DataType.UINT32);
    }

    /** The values of an INT64 tensor, or the bits of a UINT64 tensor's, not copied. */
    public long[] longs() {
        return (long[]) as(DataType.INT64, DataType.UINT64);
    }

    /** The values of a BOOL tensor, not copied. */
    public boolean[] booleans() {
        return (boolean[]) as(DataType.BOOL);
    }

    /** The values of an INT8 tensor, or the bits of a UINT8 tensor's, not copied. */
    public byte[] bytes() {
        return (byte[]) as(DataType.INT8, DataType.UINT8);
    }

    /** The values of an INT16 tensor, or the bits of a UINT16 or FP16 tensor's, not copied. */
    public short[] shorts() {
        if (type != DataType.FP16) {
            return (short[]) as(DataType.INT16, DataType.UINT16);
        }
        return (short[]) data;
    }

    /** The elements of a BYTES tensor, not copied (neither the array nor the strings). */
    public byte[][] byteStrings() {
        return (byte[][]) as(DataType.BYTES);
    }

    /** The values as the flat array of the type's {@linkplain DataType#carrier() carrier}, not copied. */
    public Object array() {
        return data;
    }

    /**
     * Element {@code i} as a double (BOOL as 0 or 1, unsigned types unsigned, FP16 widened, BYTES
     * its length), whatever the type: for checks and messages, not hot loops.
     */
    public double valueAt(int i) {
        return switch (type) {
            case FP32 -> ((float[]) data)[i];
            case FP64 -> ((double[]) data)[i];
            case BOOL -> ((boolean[]) data)[i] ? 1 : 0;
            case INT8 -> ((byte[]) data)[i];
            case UINT8 -> Byte.toUnsignedInt(((byte[]) data)[i]);
            case INT16 -> ((short[]) data)[i];
            case UINT16 -> Short.toUnsignedInt(((short[]) data)[i]);
            case FP16 -> Float.float16ToFloat(((short[]) data)[i]);
            case INT32 -> ((int[]) data)[i];
            case UINT32 -> Integer.toUnsignedLong(((int[]) data)[i]);
            case INT64 -> ((long[]) data)[i];
            case UINT64 -> Double.parseDouble(Long.toUnsignedString(((long[]) data)[i]));
            case BYTES -> ((byte[][]) data)[i].length;
        };
    }

    /** The index of the first NaN or infinite value, or -1 (always -1 for integer and BOOL tensors). */
    public int firstNonFinite() {
        if (type == DataType.FP32) {
            float[] a = (float[]) data;
            for (int i = 0; i < a.length; i++) {
                if (!Float.isFinite(a[i])) {
                    return i;
                }
            }
        } else if (type == DataType.FP16) {
            short[] a = (short[]) data;
            for (int i = 0; i < a.length; i++) {
                // exponent all ones: infinity or NaN
                if ((a[i] & 0x7c00) == 0x7c00) {
                    return i;
                }
            }
        } else if (type == DataType.FP64) {
            double[] a = (double[]) data;
            for (int i = 0; i < a.length; i++) {
                if (!Double.isFinite(a[i])) {
                    return i;
                }
            }
        }
        return -1;
    }

    private Object as(DataType wanted) {
        if (type != wanted) {
            throw new IllegalStateException("tensor '" + name + "' holds " + type.wireName() + " values, not " + wanted.wireName());
        }
        return data;
    }

    private Object as(DataType signed, DataType unsigned) {
        if (type != signed && type != unsigned) {
            throw new IllegalStateException("tensor '" + name + "' holds " + type.wireName() + " values, not " + signed.wireName()
                    + " or " + unsigned.wireName());
        }
        return data;
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + type.wireName() + Arrays.toString(shape) + "]";
    }
}
