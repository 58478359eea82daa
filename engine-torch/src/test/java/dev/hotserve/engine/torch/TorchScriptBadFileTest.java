package dev.hotserve.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 3, part 7, for what the engine itself must do: each bad file gives a
 * {@link ModelLoadException} naming the file and the reason, with nothing left open (and the JVM
 * still alive to run the next case). NaN weights and flipped bytes load: refusing them is the
 * core's smoke run and sha256 check; these tests pin that the engine gives the core what it needs.
 */
class TorchScriptBadFileTest {

    @TempDir
    static Path dir;

    private final TorchScriptEngine engine = new TorchScriptEngine();

    /** name, bytes of the bad file, state_dim, words the message must contain. */
    static Stream<Arguments> badFiles() {
        byte[] pt = TorchFixtures.bytes(TorchFixtures.file("actor_seed0.pt"));
        byte[] onnx = TorchFixtures.bytes(TorchFixtures.file("actor_seed0.onnx"));
        byte[] random = new byte[4096];
        new Random(3).nextBytes(random);
        byte[] zipHeadThenGarbage = random.clone();
        System.arraycopy(new byte[] {'P', 'K', 3, 4}, 0, zipHeadThenGarbage, 0, 4);
        return Stream.of(
                Arguments.of("plain_zip.pt", plainZip(), 28, "TorchScript archive"),
                Arguments.of("empty.pt", new byte[0], 28, "is empty"),
                Arguments.of("truncated_half.pt", Arrays.copyOf(pt, pt.length / 2), 28, "TorchScript archive"),
                Arguments.of("truncated_head.pt", Arrays.copyOf(pt, 64), 28, "TorchScript archive"),
                Arguments.of("truncated_last_byte.pt", Arrays.copyOf(pt, pt.length - 1), 28, "TorchScript archive"),
                Arguments.of("random.pt", random, 28, "TorchScript archive"),
                Arguments.of("zip_magic_then_garbage.pt", zipHeadThenGarbage, 28, "TorchScript archive"),
                Arguments.of("onnx_named.pt", onnx, 28, "TorchScript archive"),
                Arguments.of("wrong_width_27.pt", pt, 27, "does not accept input of width 27"),
                Arguments.of("width27_asked_28.pt", TorchFixtures.bytes(TorchFixtures.file("actor_width27.pt")), 28,
                        "does not accept input of width 28"));
    }

    /** A valid ZIP archive that holds no TorchScript module. */
    private static byte[] plainZip() {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var zip = new java.util.zip.ZipOutputStream(bytes)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("model/readme.txt"));
            zip.write("not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void failsWithAClearErrorAndClosesWhatItOpened(String name, byte[] content, int stateDim, String reason)
            throws IOException {
        Path file = Files.write(dir.resolve(name), content);

        assertThatThrownBy(() -> engine.load(file, LoadOptions.defaults().withStateDim(stateDim)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(reason)
                .hasMessageNotContaining("Exception raised from") // no C++ backtrace in the message
                .hasMessageNotContaining("frame #")
                .satisfies(e -> System.out.println("bad file " + name + " -> " + e.getMessage()));
        assertThat(engine.openModels()).isZero();
    }

    @Test
    void theWrongWidthMessageQuotesLibtorch() throws IOException {
        Path file = Files.copy(TorchFixtures.file("actor_seed0.pt"), dir.resolve("quote.pt"));
        assertThatThrownBy(() -> engine.load(file, LoadOptions.defaults().withStateDim(27)))
                .hasMessageContaining("27")
                .hasMessageContaining("28"); // libtorch's "mat1 and mat2 shapes cannot be multiplied (2x27 and 28x256)"
    }

    @Test
    void aMissingFileOrADirectoryIsNamed() throws IOException {
        Path missing = dir.resolve("missing.pt");
        Path folder = Files.createDirectories(dir.resolve("folder.pt"));
        Files.copy(TorchFixtures.file("actor_seed0.pt"), folder.resolve("model.pt"));

        assertThatThrownBy(() -> engine.load(missing, LoadOptions.defaults().withStateDim(28)))
                .isInstanceOf(ModelLoadException.class).hasMessage(missing + ": no such file");
        assertThatThrownBy(() -> engine.load(folder, LoadOptions.defaults().withStateDim(28)))
                .isInstanceOf(ModelLoadException.class).hasMessage(folder + ": not a regular file");
    }

    @Test
    void anOnnxFileNamedPtGetsOneErrorWithEveryEnginesReason() throws IOException {
        Path file = Files.copy(TorchFixtures.file("actor_seed0.onnx"), dir.resolve("model_onnx_inside.pt"));
        Engines engines = new Engines(List.of(engine));
        assertThatThrownBy(() -> engines.load(file, LoadOptions.defaults().withStateDim(28)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no engine could load " + file)
                .hasMessageContaining("torchscript: " + file);
    }

    @Test
    void nanWeightsLoadButEveryOutputIsNaN() throws Exception {
        Path pt = TorchFixtures.file("actor_nan.pt");
        try (LoadedModel model = engine.load(pt, TorchFixtures.options(pt))) {
            float[][] out = model.run(new float[3 * 28], 3);
            assertThat(out).isNotEmpty();
            for (float[] o : out) {
                assertThat(o).isNotEmpty();
                for (float v : o) {
                    assertThat(Float.isNaN(v)).as("output %s", v).isTrue();
                }
            }
        }
    }

    @Test
    void flippedWeightBytesLoadAndAnswerDifferently() throws Exception {
        // Weights are stored uncompressed in the archive and libtorch checks no CRC, so flipped bytes
        // load and give wrong numbers: only the core's <file>.sha256 check can refuse them.
        Path good = TorchFixtures.file("actor_seed0.pt");
        byte[] bytes = TorchFixtures.bytes(good);
        int mid = bytes.length / 2; // inside the 256x256 weight matrix, most of the file
        for (int i = mid; i < mid + 4096; i++) {
            bytes[i] ^= 0x55;
        }
        Path flipped = Files.write(dir.resolve("flipped.pt"), bytes);
        float[] input = TorchFixtures.flatten(TorchFixtures.json(TorchFixtures.reference(good)).get("batch64").get("inputs"));

        try (LoadedModel a = engine.load(good, TorchFixtures.options(good));
                LoadedModel b = engine.load(flipped, TorchFixtures.options(good))) {
            assertThat(b.run(input, 64)[0]).isNotEqualTo(a.run(input, 64)[0]);
        }
    }
}
