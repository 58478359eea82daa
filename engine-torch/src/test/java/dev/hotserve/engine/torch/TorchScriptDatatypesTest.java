package dev.hotserve.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.engine.DataType;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every datatype through {@code fixtures/tensors/identity.pt} ({@code forward(x) = x.clone()} for
 * any dtype), declared per test: what the engine carries comes back bit for bit, what it cannot
 * carry is refused at load naming the tensor and the datatype.
 */
class TorchScriptDatatypesTest {

    private static final TorchScriptEngine ENGINE = new TorchScriptEngine();

    private static LoadOptions declaring(DataType type) {
        ModelSignature sig = new ModelSignature(List.of(new TensorSpec("x", type, new long[] {-1, 3})),
                List.of(new TensorSpec("y", type, new long[] {-1, 3})));
        return new LoadOptions(false, 1, OptionalInt.empty(), Optional.of(sig));
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
            case BYTES -> new byte[][] {{}, {(byte) 0xff, 0}, {'a'}, {}, {1}, {2}};
        });
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void eachCarriedDatatypeComesBackBitForBitAndTheOthersAreRefusedAtLoad(DataType type) throws Exception {
        if (!TorchScriptEngine.CARRIED.contains(type)) {
            assertThatThrownBy(() -> ENGINE.load(TorchScriptTensorTest.tensorFixture("identity.pt"), declaring(type)))
                    .isInstanceOf(ModelLoadException.class).hasMessageContaining("'x'").hasMessageContaining(type.wireName());
            assertThat(ENGINE.openModels()).isZero();
            return;
        }
        try (LoadedModel m = ENGINE.load(TorchScriptTensorTest.tensorFixture("identity.pt"), declaring(type))) {
            assertThat(m.signature().inputs().get(0).type()).isEqualTo(type);
            Tensor in = extremes("x", type);
            List<Tensor> out = m.run(List.of(in));
            assertThat(out).hasSize(1);
            Tensor y = out.get(0);
            assertThat(y.name()).isEqualTo("y");
            assertThat(y.type()).isEqualTo(type);
            assertThat(y.shape()).containsExactly(2, 3);
            assertThat(y.array()).isEqualTo(in.array());
        }
    }
}
