package dev.hotserve.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import dev.hotserve.engine.ModelSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's contract apart from bad files: recognition, discovery, signature, width, run(). */
class TorchScriptEngineTest {

    private final TorchScriptEngine engine = new TorchScriptEngine();

    @Test
    void recognisesZipArchivesOnly() {
        byte[] pt = Arrays.copyOf(TorchFixtures.bytes(TorchFixtures.file("actor_seed0.pt")), Engines.HEAD_BYTES);
        byte[] onnx = Arrays.copyOf(TorchFixtures.bytes(TorchFixtures.file("actor_seed0.onnx")), Engines.HEAD_BYTES);

        assertThat(engine.recognizes(pt)).isTrue();
        assertThat(engine.recognizes(onnx)).isFalse();
        assertThat(engine.recognizes(new byte[0])).isFalse();
        assertThat(engine.recognizes(new byte[] {'P', 'K', 3})).isFalse();
        assertThat(engine.recognizes(new byte[] {'P', 'K', 5, 6, 0, 0})).isFalse(); // empty ZIP: no entries
    }

    @Test
    void isFoundByServiceLoader() {
        assertThat(Engines.discover().all())
                .anySatisfy(e -> assertThat(e).isInstanceOf(TorchScriptEngine.class))
                .anySatisfy(e -> assertThat(e.name()).isEqualTo("torchscript"));
    }

    @Test
    void sacActorHasTwoUnnamedOutputsOfWidthOne() throws Exception {
        Path pt = TorchFixtures.file("actor_seed0.pt");
        try (LoadedModel model = engine.load(pt, TorchFixtures.options(pt))) {
            assertThat(model.signature()).isEqualTo(new ModelSignature("INPUT__0", 28,
                    List.of(new ModelSignature.Output("OUTPUT__0", 1), new ModelSignature.Output("OUTPUT__1", 1))));
            assertThat(model.optimized()).isFalse();
        }
    }

    @Test
    void packedActorHasOneOutputOfWidthFour() throws Exception {
        Path pt = TorchFixtures.file("actor_packed.pt");
        try (LoadedModel model = engine.load(pt, TorchFixtures.options(pt).withOptimize(true))) {
            assertThat(model.signature().outputs()).containsExactly(
                    dev.hotserve.engine.TensorSpec.rows("OUTPUT__0", dev.hotserve.engine.DataType.FP32, 4));
            assertThat(model.optimized()).isTrue();
        }
    }

    @Test
    void stateDimComesFromOptionsAndIsProved() throws Exception {
        Path pt = TorchFixtures.file("actor_width27.pt");
        try (LoadedModel model = engine.load(pt, TorchFixtures.options(pt))) {
            assertThat(model.signature().inputWidth()).isEqualTo(27);
            assertThat(model.run(new float[27 * 3], 3)[0]).hasSize(3);
        }
    }

    @Test
    void withoutStateDimTheErrorSaysWhichSidecarToAddAndSuggestsTheWidth() {
        Path pt = TorchFixtures.file("actor_seed0.pt");
        assertThatThrownBy(() -> engine.load(pt, LoadOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(pt + ".json")
                .hasMessageContaining("\"state_dim\"")
                .hasMessageContaining("suggests state_dim 28");
        assertThat(engine.openModels()).isZero();
    }

    @Test
    void aTorchScriptFileNamedOnnxLoadsByContent(@TempDir Path dir) throws Exception {
        Path renamed = Files.copy(TorchFixtures.file("actor_seed0.pt"), dir.resolve("model_1.onnx"));
        Engines engines = new Engines(List.of(engine));
        Engines.Loaded loaded = engines.load(renamed, LoadOptions.defaults().withStateDim(28));
        try (LoadedModel model = loaded.model()) {
            assertThat(loaded.engine()).isEqualTo("torchscript");
            assertThat(model.run(new float[28], 1)).hasNumberOfRows(2);
        }
    }

    @Test
    void runChecksItsArgumentsAndRefusesAfterClose() throws Exception {
        Path pt = TorchFixtures.file("actor_seed0.pt");
        LoadedModel model = engine.load(pt, TorchFixtures.options(pt));
        assertThatThrownBy(() -> model.run(new float[28], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> model.run(new float[27], 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("28").hasMessageContaining("27");
        model.close();
        assertThatThrownBy(() -> model.run(new float[28], 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(pt.toString());
        model.close(); // a second close is harmless
        assertThat(engine.openModels()).isZero();
    }

    @Test
    void rowsAreIndependentAtEveryBatchSize() throws Exception {
        // Batch 1024 of the same row must give 1024 copies of the batch-1 answer.
        Path pt = TorchFixtures.file("actor_seed1.pt");
        float[] row = TorchFixtures.flatten(TorchFixtures.json(TorchFixtures.reference(pt)).get("batch1").get("inputs"));
        try (LoadedModel model = engine.load(pt, TorchFixtures.options(pt))) {
            float[][] one = model.run(row, 1);
            float[] many = new float[1024 * 28];
            for (int r = 0; r < 1024; r++) {
                System.arraycopy(row, 0, many, r * 28, 28);
            }
            float[][] out = model.run(many, 1024);
            for (int o = 0; o < 2; o++) {
                assertThat(out[o]).hasSize(1024);
                for (float v : out[o]) {
                    assertThat(v).isCloseTo(one[o][0], within(1e-5f));
                }
            }
        }
    }
}
