package dev.hotserve.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorDatatypesTest {

    @ParameterizedTest
    @EnumSource(DataType.class)
    void everyTypeHasZerosOfItsCarrierAndOnlyItsCarrierIsAccepted(DataType type) {
        Tensor z = Tensor.zeros("z", type, new long[] {2, 3});
        assertThat(z.type()).isEqualTo(type);
        assertThat(z.size()).isEqualTo(6);
        assertThat(z.array()).isInstanceOf(type.carrier());
        assertThat(z.valueAt(5)).isZero();
        assertThat(z.firstNonFinite()).isEqualTo(-1);
        assertThat(DataType.fromWireName(type.wireName())).hasValue(type);
        Object wrong = type.carrier() == long[].class ? new int[6] : new long[6];
        assertThatThrownBy(() -> Tensor.of("z", type, new long[] {2, 3}, wrong)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(type.wireName());
        assertThatThrownBy(() -> Tensor.of("z", type, new long[] {7}, z.array())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 7 values");
    }

    @Test
    void unsignedValuesAreTheirBitsReadUnsigned() {
        assertThat(Tensor.of("u", DataType.UINT8, new long[] {1}, new byte[] {-1}).valueAt(0)).isEqualTo(255);
        assertThat(Tensor.of("u", DataType.UINT16, new long[] {1}, new short[] {-1}).valueAt(0)).isEqualTo(65535);
        assertThat(Tensor.of("u", DataType.UINT32, new long[] {1}, new int[] {-1}).valueAt(0)).isEqualTo(4294967295.0);
        assertThat(Tensor.of("u", DataType.UINT64, new long[] {1}, new long[] {-1}).valueAt(0)).isEqualTo(0x1p64);
        // The accessors are by carrier: a UINT64 tensor's longs are its bits, but it is not an FP16 tensor's shorts.
        assertThat(Tensor.of("u", DataType.UINT64, new long[] {1}, new long[] {-1}).longs()).containsExactly(-1L);
        assertThatThrownBy(() -> Tensor.zeros("i", DataType.INT32, new long[] {1}).shorts()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void fp16NanAndInfinityAreNonFinite() {
        Tensor h = Tensor.of("h", DataType.FP16, new long[] {3}, new short[] {0x3c00, 0x7c00, 0x7e00});
        assertThat(h.firstNonFinite()).isEqualTo(1);
        assertThat(h.valueAt(0)).isEqualTo(1.0);
        assertThat(DataType.FP16.floating()).isTrue();
        assertThat(DataType.BYTES.fixedSize()).isFalse();
    }

    @Test
    void bytesElementsMustNotBeNull() {
        assertThatThrownBy(() -> Tensor.ofByteStrings("s", new long[] {2}, new byte[][] {{1}, null}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("element 1");
    }
}
