package dev.hotserve.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfTest {

    @Test
    void exactHalvesAndTheLimitsRoundTrip() {
        for (double v : new double[] {0, 1, -2, 0.5, 65504, -65504, 6.103515625e-05, 5.960464477539063e-08}) {
            assertThat((double) Half.toFloat(Half.fromDouble(v))).as("%s", v).isEqualTo(v);
        }
        assertThat(Half.fromDouble(1.0)).isEqualTo((short) 0x3c00);
        assertThat(Half.fromDouble(-0.0)).isEqualTo((short) 0x8000);
    }

    @Test
    void beyondTheLargestHalfIsInfinite() {
        assertThat(Half.fromDouble(65520)).isEqualTo((short) 0x7c00);
        assertThat(Half.fromDouble(65519.99)).isEqualTo((short) 0x7bff);
        assertThat(Half.fromDouble(1e300)).isEqualTo((short) 0x7c00);
    }

    @Test
    void aDoubleJustAboveATieRoundsUpWhereFloatFirstWouldRoundDown() {
        // 1 + 2^-11 is the tie between the halves 1 and 1 + 2^-10; ties go to even (1).
        double tie = 1 + 0x1p-11;
        assertThat(Half.fromDouble(tie)).isEqualTo((short) 0x3c00);
        // A hair above the tie is nearer 1 + 2^-10, but as a float it IS the tie.
        double above = tie + 0x1p-40;
        assertThat((double) (float) above).isEqualTo(tie);
        assertThat(Float.floatToFloat16((float) above)).as("rounding through float").isEqualTo((short) 0x3c00);
        assertThat(Half.fromDouble(above)).isEqualTo((short) 0x3c01);
        assertThat(Half.fromDouble(tie - 0x1p-40)).isEqualTo((short) 0x3c00);
    }
}
