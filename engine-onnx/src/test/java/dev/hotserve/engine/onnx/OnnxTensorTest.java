package dev.hotserve.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Named, typed tensors through ONNX Runtime: {@code fixtures/tensors/types.onnx} takes and gives
 * every datatype ({@code y_fp32 = 2x+1, y_fp64 = 2x, y_int32 = x+1, y_int64 = 3x, y_bool = !x},
 * all {@code [batch, 3]}), so each test recomputes the expected values exactly.
 */
class OnnxTensorTest {

    private static LoadedModel types;

    @BeforeAll
    static void load() throws Exception {
        types = new OnnxEngine().load(tensorFixture("types.onnx"), LoadOptions.defaults());
    }

    @AfterAll
    static void close() {
        types.close();
    }

    static Path tensorFixture(String name) {
        return Fixtures.dir().resolveSibling("tensors").resolve(name);
    }

    /** Two rows of each input type. */
    static List<Tensor> inputs() {
        long[] shape = {2, 3};
        return List.of(
                Tensor.ofFloats("x_fp32", shape, new float[] {0, 1, 2, -1.5f, 3, 4}),
                Tensor.ofDoubles("x_fp64", shape, new double[] {0.25, 1, 2, 3, 4, 1e300}),
                Tensor.ofInts("x_int32", shape, new int[] {0, -1, 2, Integer.MAX_VALUE - 1, 5, 6}),
                Tensor.ofLongs("x_int64", shape, new long[] {0, 1, -2, 1L << 40, 5, 6}),
                Tensor.ofBooleans("x_bool", shape, new boolean[] {true, false, true, false, false, true}));
    }

    @Test
    void signatureIsTheGraphsOwnNamesTypesAndShapes() {
        assertThat(types.signature().inputs()).containsExactly(
                new TensorSpec("x_fp32", DataType.FP32, new long[] {-1, 3}),
                new TensorSpec("x_fp64", DataType.FP64, new long[] {-1, 3}),
                new TensorSpec("x_int32", DataType.INT32, new long[] {-1, 3}),
                new TensorSpec("x_int64", DataType.INT64, new long[] {-1, 3}),
                new TensorSpec("x_bool", DataType.BOOL, new long[] {-1, 3}));
        assertThat(types.signature().outputs()).extracting(TensorSpec::name, TensorSpec::type).containsExactly(
                org.assertj.core.groups.Tuple.tuple("y_fp32", DataType.FP32), org.assertj.core.groups.Tuple.tuple("y_fp64", DataType.FP64),
                org.assertj.core.groups.Tuple.tuple("y_int32", DataType.INT32), org.assertj.core.groups.Tuple.tuple("y_int64", DataType.INT64),
                org.assertj.core.groups.Tuple.tuple("y_bool", DataType.BOOL));
        assertThat(types.signature().isRowModel()).isFalse();
        assertThat(types.signature().inputWidth()).isZero();
    }

    @Test
    void everyDatatypeGoesInAndComesOutInSignatureOrder() {
        List<Tensor> in = new ArrayList<>(inputs());
        java.util.Collections.reverse(in); // inputs are matched by name, not position
        List<Tensor> out = types.run(in);

        assertThat(out).extracting(Tensor::name).containsExactly("y_fp32", "y_fp64", "y_int32", "y_int64", "y_bool");
        assertThat(out).allSatisfy(t -> assertThat(t.shape()).containsExactly(2, 3));
        assertThat(out.get(0).floats()).containsExactly(1, 3, 5, -2, 7, 9);
        assertThat(out.get(1).doubles()).containsExactly(0.5, 2, 4, 6, 8, 2e300);
        assertThat(out.get(2).ints()).containsExactly(1, 0, 3, Integer.MAX_VALUE, 6, 7);
        assertThat(out.get(3).longs()).containsExactly(0, 3, -6, 3L << 40, 15, 18);
        assertThat(out.get(4).booleans()).containsExactly(false, true, false, true, true, false);
    }

    @Test
    void aWrongDatatypeIsRefusedNamingTheInput() {
        List<Tensor> in = new ArrayList<>(inputs());
        in.set(2, Tensor.ofLongs("x_int32", new long[] {2, 3}, new long[6]));
        assertThatThrownBy(() -> types.run(in)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.input()).isEqualTo("x_int32");
            assertThat(e.getMessage()).contains("x_int32").contains("INT64").contains("takes INT32");
        });
    }

    @Test
    void aShapeThatDoesNotFitIsRefusedNamingTheInput() {
        List<Tensor> in = new ArrayList<>(inputs());
        in.set(0, Tensor.ofFloats("x_fp32", new long[] {3, 2}, new float[6]));
        assertThatThrownBy(() -> types.run(in)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.input()).isEqualTo("x_fp32");
            assertThat(e.getMessage()).contains("[3, 2]").contains("[-1, 3]");
        });
    }

    @Test
    void aMissingInputIsRefusedNamingIt() {
        List<Tensor> in = new ArrayList<>(inputs());
        in.remove(4);
        assertThatThrownBy(() -> types.run(in)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.input()).isEqualTo("x_bool");
            assertThat(e.getMessage()).startsWith("missing input 'x_bool'");
        });
    }

    @Test
    void anUnknownInputIsRefusedListingTheModelsInputs() {
        List<Tensor> in = new ArrayList<>(inputs());
        in.add(Tensor.ofFloats("extra", new long[] {1}, new float[1]));
        assertThatThrownBy(() -> types.run(in)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.input()).isEqualTo("extra");
            assertThat(e.getMessage()).contains("unknown input 'extra'").contains("x_fp32 FP32[-1, 3]");
        });
    }

    @Test
    void theRowFastPathIsRefusedForAModelThatIsNotARowModel() {
        assertThatThrownBy(() -> types.run(new float[3], 1)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("not a row model");
    }

    @Test
    void aRowModelGivesTheSameNumbersThroughTensorsAsThroughTheFastPath() throws Exception {
        try (LoadedModel actor = new OnnxEngine().load(Fixtures.file("actor_seed0.onnx"), LoadOptions.defaults())) {
            float[] rows = new float[3 * 28];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = (float) Math.sin(i);
            }
            float[][] fast = actor.run(rows, 3);
            List<Tensor> out = actor.run(List.of(Tensor.rows("state", rows, 3, 28)));
            assertThat(out).extracting(Tensor::name).containsExactly("mean", "log_std");
            assertThat(out.get(0).shape()).containsExactly(3, 1);
            assertThat(out.get(0).floats()).containsExactly(fast[0]);
            assertThat(out.get(1).floats()).containsExactly(fast[1]);
        }
    }

    @Test
    void aFixedBatchRowModelIsShownWithAVariableBatchAndServesAnyBatch() throws Exception {
        try (LoadedModel actor = new OnnxEngine().load(Fixtures.file("actor_fixed_batch4.onnx"), LoadOptions.defaults())) {
            assertThat(actor.signature().inputs().get(0).shape()).containsExactly(-1, 28);
            List<Tensor> out = actor.run(List.of(Tensor.rows("state", new float[5 * 28], 5, 28)));
            assertThat(out.get(0).dim(0)).isEqualTo(5);
        }
    }
}
