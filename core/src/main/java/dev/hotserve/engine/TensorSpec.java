package dev.hotserve.engine;

import java.util.Arrays;
import java.util.Objects;

/**
 * A model's declared input or output: name, element type and shape, where {@code -1} marks a
 * dimension of any size (the batch axis, usually). Equal by content.
 *
 * @param shape copied in and out; every dimension is -1 or at least 0
 */
public record TensorSpec(String name, DataType type, long[] shape) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
        for (long d : shape) {
            if (d < -1) {
                throw new IllegalArgumentException("tensor '" + name + "': a dimension is -1 (variable) or >= 0, was " + d
                        + " in " + Arrays.toString(shape));
            }
        }
    }

    /** {@code [-1, width]}: a batch of rows of {@code width} values. */
    public static TensorSpec rows(String name, DataType type, int width) {
        return new TensorSpec(name, type, new long[] {-1, width});
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i}, -1 when variable. */
    public long dim(int i) {
        return shape[i];
    }

    /**
     * Values per row: the product of every dimension after the first (1 for a rank-1 tensor),
     * or -1 when one of them is variable or the tensor has no dimensions.
     */
    public int width() {
        if (shape.length == 0) {
            return -1;
        }
        long w = 1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] < 0) {
                return -1;
            }
            w *= shape[i];
            if (w > Integer.MAX_VALUE) {
                return -1;
            }
        }
        return (int) w;
    }

    /** Whether a tensor of this shape fits: same rank, and every fixed dimension equal. */
    public boolean accepts(long[] actual) {
        if (actual.length != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] >= 0 && shape[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + type.wireName() + Arrays.toString(shape);
    }
}
