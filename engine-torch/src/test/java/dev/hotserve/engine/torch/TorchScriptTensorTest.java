package dev.hotserve.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.engine.DataType;
import dev.hotserve.engine.DeclaredSignature;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named, typed tensors through libtorch: {@code fixtures/tensors/types.pt} (the same arithmetic
 * as {@code types.onnx}), whose names, types and shapes come from its {@code types.pt.json}
 * sidecar, since a TorchScript archive stores none.
 */
class TorchScriptTensorTest {

    private static final TorchScriptEngine ENGINE = new TorchScriptEngine();
    private static LoadedModel types;

    @BeforeAll
    static void load() throws Exception {
        types = ENGINE.load(tensorFixture("types.pt"), LoadOptions.defaults());
    }

    @AfterAll
    static void close() {
        types.close();
    }

    static Path tensorFixture(String name) {
        return TorchFixtures.dir().resolveSibling("tensors").resolve(name);
    }

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
    void signatureComesFromTheSidecarDeclaration() {
        assertThat(types.signature().inputs()).extracting(TensorSpec::name)
                .containsExactly("x_fp32", "x_fp64", "x_int32", "x_int64", "x_bool");
        assertThat(types.signature().outputs().get(4)).isEqualTo(new TensorSpec("y_bool", DataType.BOOL, new long[] {-1, 3}));
        assertThat(types.signature().isRowModel()).isFalse();
    }

    @Test
    void everyDatatypeGoesInAndComesOut() {
        List<Tensor> out = types.run(inputs());
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
        in.set(4, Tensor.ofInts("x_bool", new long[] {2, 3}, new int[6]));
        assertThatThrownBy(() -> types.run(in)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.input()).isEqualTo("x_bool"));
    }

    @Test
    void aDeclarationTheModelContradictsFailsTheLoadNamingTheOutput(@TempDir Path dir) throws Exception {
        Path pt = Files.copy(tensorFixture("types.pt"), dir.resolve("types.pt"));
        var json = TorchFixtures.json(tensorFixture("types.pt.json"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("outputs").get(1)).put("datatype", "INT64");
        Files.writeString(DeclaredSignature.sidecarOf(pt), json.toString());
        assertThatThrownBy(() -> ENGINE.load(pt, LoadOptions.defaults())).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("y_fp64").hasMessageContaining("INT64");
    }

    @Test
    void aRowModelIsNamedInputZeroAndOutputN() throws Exception {
        Path pt = TorchFixtures.file("actor_seed0.pt");
        try (LoadedModel actor = ENGINE.load(pt, TorchFixtures.options(pt))) {
            float[] rows = new float[2 * 28];
            rows[3] = 0.5f;
            List<Tensor> out = actor.run(List.of(Tensor.rows("INPUT__0", rows, 2, 28)));
            assertThat(out).extracting(Tensor::name).containsExactly("OUTPUT__0", "OUTPUT__1");
            assertThat(out.get(0).floats()).containsExactly(actor.run(rows, 2)[0]);
        }
    }
}
