package dev.hotserve.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The format checks on real checkpoints written by PyTorch (fixtures/): the whole file is complete,
 * and no proper prefix is, which is what lets a renamed-in file load at once while a file written
 * in place is never taken half-written.
 */
class CheckpointFormatTest {

    static Path fixture(String name) {
        String configured = System.getProperty("hotserve.fixtures");
        return (configured != null ? Path.of(configured) : Path.of("..", "fixtures", "sac")).resolve(name);
    }

    static CheckpointFormat.Verdict check(CheckpointFormat f, byte[] bytes) throws IOException {
        return f.check(() -> new ByteArrayInputStream(bytes), bytes.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"actor_packed.onnx", "actor_seed0.onnx", "actor_nan.onnx"})
    void anOnnxFileIsCompleteAndNoneOfItsPrefixesIs(String name) throws IOException {
        byte[] full = Files.readAllBytes(fixture(name));
        OnnxFormat onnx = new OnnxFormat();
        assertThat(check(onnx, full)).isInstanceOf(CheckpointFormat.Complete.class);
        int step = Math.max(1, full.length / 4000); // every prefix of the small files, 4000 spread over a big one
        for (int n = 1; n < full.length; n += step) {
            assertThat(check(onnx, Arrays.copyOf(full, n))).as("prefix of %d of %d bytes", n, full.length)
                    .isInstanceOf(CheckpointFormat.Incomplete.class);
        }
        assertThat(check(onnx, Arrays.copyOf(full, full.length - 1))).isInstanceOf(CheckpointFormat.Incomplete.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"actor_packed.pt", "actor_seed0.pt", "actor_nan.pt"})
    void aTorchScriptArchiveIsCompleteAndNoneOfItsPrefixesIs(String name) throws IOException {
        byte[] full = Files.readAllBytes(fixture(name));
        ZipFormat zip = new ZipFormat();
        assertThat(check(zip, full)).isInstanceOf(CheckpointFormat.Complete.class);
        int step = Math.max(1, full.length / 2000);
        for (int n = 4; n < full.length; n += step) {
            assertThat(check(zip, Arrays.copyOf(full, n))).as("prefix of %d of %d bytes", n, full.length)
                    .isInstanceOf(CheckpointFormat.Incomplete.class);
        }
        assertThat(check(zip, Arrays.copyOf(full, full.length - 1))).isInstanceOf(CheckpointFormat.Incomplete.class);
    }

    @Test
    void eachCheckLeavesTheOtherFormatAndUnknownBytesAlone() throws IOException {
        byte[] onnxBytes = Files.readAllBytes(fixture("actor_packed.onnx"));
        byte[] zipBytes = Files.readAllBytes(fixture("actor_packed.pt"));
        byte[] text = "HSFAKE1 state=4 action=1\nweights".getBytes(StandardCharsets.US_ASCII);
        assertThat(check(new OnnxFormat(), zipBytes)).isInstanceOf(CheckpointFormat.NotThisFormat.class);
        assertThat(check(new ZipFormat(), onnxBytes)).isInstanceOf(CheckpointFormat.NotThisFormat.class);
        assertThat(check(new OnnxFormat(), text)).isInstanceOf(CheckpointFormat.NotThisFormat.class);
        assertThat(check(new ZipFormat(), text)).isInstanceOf(CheckpointFormat.NotThisFormat.class);
        assertThat(check(new OnnxFormat(), new byte[0])).isInstanceOf(CheckpointFormat.NotThisFormat.class);
    }

    @Test
    void anOnnxPrefixEndingOnAFieldBoundarySaysWhatIsMissing() throws IOException {
        byte[] full = Files.readAllBytes(fixture("actor_packed.onnx"));
        // The last top-level field of a torch export is the opset import: cut just before it.
        int cut = full.length - 4;
        assertThat(check(new OnnxFormat(), Arrays.copyOf(full, cut))).isEqualTo(
                new CheckpointFormat.Incomplete("ONNX", "the fields parse, but it has no opset imports: a prefix of a model"));
    }
}
