package dev.hotserve.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every datatype through ONNX Runtime: {@code identity_<type>.onnx} ({@code y = Identity(x)},
 * {@code [batch, 3]}) for each, and {@code cast_<type>.onnx} ({@code y = Cast(x)} from the signed
 * type of the same width) for the unsigned types ONNX Runtime's Java API reads but cannot feed.
 */
class OnnxDatatypesTest {

    private static final OnnxEngine ENGINE = new OnnxEngine();

    private static Path identity(DataType type) {
        return OnnxTensorTest.tensorFixture("identity_" + type.wireName().toLowerCase(Locale.ROOT) + ".onnx");
    }

    /** Two rows of extreme values of each type, as the bits the tensor keeps. */
    static Tensor extremes(String name, DataType type) {
        long[] shape = {2, 3};
        return Tensor.of(name, type, shape, switch (type) {
            case BOOL -> new boolean[] {true, false, true, false, false, true};
            case UINT8, INT8 -> new byte[] {0, 1, -1, (byte) 0x80, 0x7f, 42};
            case UINT16, INT16, FP16 -> new short[] {0, 1, -1, (short) 0x8000, 0x7bff, 0x3c00};
            case UINT32, INT32 -> new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 42};
            case UINT64, INT64 -> new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, (1L << 53) + 1};
            case FP32 -> new float[] {0, 1.5f, -2, Float.MIN_VALUE, Float.MAX_VALUE, 1e-3f};
            case FP64 -> new double[] {0, 1.5, -2, Double.MIN_VALUE, Double.MAX_VALUE, 1e-300};
            case BYTES -> new byte[][] {{}, "é".getBytes(StandardCharsets.UTF_8), {'a', 0, 'b'}, {}, {'1'}, "日本".getBytes(StandardCharsets.UTF_8)};
        });
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void eachDatatypeComesBackBitForBitOrIsRefusedAtLoadNamingTheInput(DataType type) throws Exception {
        if (!OnnxModel.carriesInput(type)) {
            assertThatThrownBy(() -> ENGINE.load(identity(type), LoadOptions.defaults())).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("input 'x' is " + type.wireName()).hasMessageContaining("cannot feed");
            return;
        }
        try (LoadedModel m = ENGINE.load(identity(type), LoadOptions.defaults())) {
            assertThat(m.signature().inputs()).containsExactly(new TensorSpec("x", type, new long[] {-1, 3}));
            assertThat(m.signature().outputs()).containsExactly(new TensorSpec("y", type, new long[] {-1, 3}));
            Tensor in = extremes("x", type);
            Tensor y = m.run(List.of(in)).get(0);
            assertThat(y.type()).isEqualTo(type);
            assertThat(y.shape()).containsExactly(2, 3);
            if (type == DataType.BYTES) {
                assertThat(y.byteStrings()).isDeepEqualTo(in.byteStrings());
            } else {
                assertThat(y.array()).isEqualTo(in.array());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"UINT16", "UINT32", "UINT64"})
    void unsignedOutputsAreReadAsTheirOwnTypeWithEveryBit(DataType type) throws Exception {
        DataType signed = DataType.valueOf(type.name().substring(1));
        try (LoadedModel m = ENGINE.load(OnnxTensorTest.tensorFixture("cast_" + type.wireName().toLowerCase(Locale.ROOT) + ".onnx"),
                LoadOptions.defaults())) {
            // The metadata names the real type, never the signed one of the same width.
            assertThat(m.signature().outputs()).containsExactly(new TensorSpec("y", type, new long[] {-1, 3}));
            Tensor in = extremes("x", signed);
            Tensor y = m.run(List.of(in)).get(0);
            assertThat(y.type()).isEqualTo(type);
            assertThat(y.array()).isEqualTo(in.array()); // Cast keeps the two's-complement bits: -1 is the largest value
            assertThat(y.valueAt(2)).isEqualTo(type == DataType.UINT16 ? 65535 : type == DataType.UINT32 ? 4294967295.0 : 0x1p64);
        }
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedNamingTheInputAndTheElement() throws Exception {
        try (LoadedModel m = ENGINE.load(identity(DataType.BYTES), LoadOptions.defaults())) {
            byte[][] v = {{'a'}, {'b'}, {(byte) 0xff, 0}};
            Tensor in = Tensor.ofByteStrings("x", new long[] {1, 3}, v);
            assertThatThrownBy(() -> m.run(List.of(in))).isInstanceOfSatisfying(InvalidInputException.class, e -> {
                assertThat(e.input()).isEqualTo("x");
                assertThat(e.index()).isEqualTo(2);
            }).hasMessageContaining("input 'x'").hasMessageContaining("not UTF-8");
        }
    }
}
