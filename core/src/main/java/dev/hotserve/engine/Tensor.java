package dev.hotserve.engine;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named, typed, shaped tensor, held as one flat row-major Java array of its type:
 * {@code float[]} (FP32), {@code double[]} (FP64), {@code int[]} (INT32), {@code long[]} (INT64),
 * {@code boolean[]} (BOOL).
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

    /** {@code rows} rows of {@code width} floats: shape {@code [rows, width]}. */
    public static Tensor rows(String name, float[] data, int rows, int width) {
        return ofFloats(name, new long[] {rows, width}, data);
    }

    /** A tensor of zeros (false for BOOL) of the given type and shape. */
    public static Tensor zeros(String name, DataType type, long[] shape) {
        int n = Math.toIntExact(elementCount(shape));
        return switch (type) {
            case FP32 -> ofFloats(name, shape, new float[n]);
            case FP64 -> ofDoubles(name, shape, new double[n]);
            case INT32 -> ofInts(name, shape, new int[n]);
            case INT64 -> ofLongs(name, shape, new long[n]);
            case BOOL -> ofBooleans(name, shape, new boolean[n]);
        };
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
            case INT32 -> ((int[]) data).length;
            case INT64 -> ((long[]) data).length;
            case BOOL -> ((boolean[]) data).length;
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

    /** The values of an INT32 tensor, not copied. */
    public int[] ints() {
        return (int[]) as(DataType.INT32);
    }

    /** The values of an INT64 tensor, not copied. */
    public long[] longs() {
        return (long[]) as(DataType.INT64);
    }

    /** The values of a BOOL tensor, not copied. */
    public boolean[] booleans() {
        return (boolean[]) as(DataType.BOOL);
    }

    /** Element {@code i} as a double (BOOL as 0 or 1), whatever the type: for checks and messages, not hot loops. */
    public double valueAt(int i) {
        return switch (type) {
            case FP32 -> ((float[]) data)[i];
            case FP64 -> ((double[]) data)[i];
            case INT32 -> ((int[]) data)[i];
            case INT64 -> ((long[]) data)[i];
            case BOOL -> ((boolean[]) data)[i] ? 1 : 0;
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

    @Override
    public String toString() {
        return "Tensor[" + name + " " + type.wireName() + Arrays.toString(shape) + "]";
    }
}
