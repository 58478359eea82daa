package dev.hotserve.engine;

/**
 * IEEE 754 half precision (FP16), as the bits a {@code short} holds. Java's own
 * {@link Float#floatToFloat16} rounds a float; a JSON number is a double, and rounding it to float
 * first and then to half can round twice the wrong way (a double just above a tie between two
 * halves can become the tie as a float, which then rounds to even: down). {@link #fromDouble}
 * rounds once, correctly.
 */
public final class Half {

    private Half() {}

    /**
     * The half nearest to {@code v} (ties to even), infinite beyond the largest half (65504) as
     * IEEE rounding says; NaN stays NaN.
     */
    public static short fromDouble(double v) {
        float f = (float) v;
        // Round to odd on the way: float keeps 13 more significand bits than half, so a float whose
        // last bit marks "inexact" can never be mistaken for a tie by the second rounding.
        if ((double) f != v && !Double.isNaN(v) && (Float.floatToRawIntBits(f) & 1) == 0) {
            f = Math.nextAfter(f, v);
        }
        return Float.floatToFloat16(f);
    }

    /** The value of half-precision bits, exactly. */
    public static float toFloat(short bits) {
        return Float.float16ToFloat(bits);
    }
}
