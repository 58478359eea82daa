package dev.hotserve.source.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.source.SourceException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PointerTest {

    private static final String SHA = "ab".repeat(32);

    private static Pointer parse(String s) throws SourceException {
        return Pointer.parse(s.getBytes(StandardCharsets.UTF_8), "s3://b/p/LATEST");
    }

    @Test
    void jsonWithKeyAndDigest() throws SourceException {
        assertThat(parse("{\"key\": \"model_2026-11-24.onnx\", \"sha256\": \"" + SHA.toUpperCase() + "\"}\n"))
                .isEqualTo(new Pointer("model_2026-11-24.onnx", Optional.of(SHA)));
    }

    @Test
    void jsonWithKeyOnly() throws SourceException {
        assertThat(parse("{\"key\": \"runs/7/model_a.onnx\"}")).isEqualTo(new Pointer("runs/7/model_a.onnx", Optional.empty()));
    }

    @Test
    void plainKeyWithTrailingNewline() throws SourceException {
        assertThat(parse("model_b.pt\n")).isEqualTo(new Pointer("model_b.pt", Optional.empty()));
    }

    @Test
    void emptyIsRefused() {
        assertThatThrownBy(() -> parse("  \n")).isInstanceOf(SourceException.class).hasMessageContaining("is empty");
    }

    @Test
    void brokenJsonIsRefused() {
        assertThatThrownBy(() -> parse("{\"key\": ")).isInstanceOf(SourceException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void jsonWithoutKeyIsRefused() {
        assertThatThrownBy(() -> parse("{\"sha256\": \"" + SHA + "\"}")).isInstanceOf(SourceException.class)
                .hasMessageContaining("needs a string field \"key\"");
    }

    @Test
    void badDigestIsRefused() {
        assertThatThrownBy(() -> parse("{\"key\": \"model_a.onnx\", \"sha256\": \"xyz\"}")).isInstanceOf(SourceException.class)
                .hasMessageContaining("64 hex digits");
    }

    @Test
    void unknownFieldIsRefused() {
        assertThatThrownBy(() -> parse("{\"key\": \"model_a.onnx\", \"sha\": \"" + SHA + "\"}")).isInstanceOf(SourceException.class)
                .hasMessageContaining("unknown field 'sha'");
    }

    @Test
    void twoLinesAreNotAKey() {
        assertThatThrownBy(() -> parse("model_a.onnx\nmodel_b.onnx")).isInstanceOf(SourceException.class)
                .hasMessageContaining("one key relative to its prefix");
    }

    @Test
    void parentSegmentsAreRefused() {
        assertThatThrownBy(() -> parse("../other/model_a.onnx")).isInstanceOf(SourceException.class).hasMessageContaining("'..'");
    }

    @Test
    void binaryIsRefused() {
        assertThatThrownBy(() -> Pointer.parse(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}, "s3://b/p/LATEST"))
                .isInstanceOf(SourceException.class).hasMessageContaining("not UTF-8");
    }

    @Test
    void oversizedIsRefused() {
        assertThatThrownBy(() -> parse("x".repeat(Pointer.MAX_BYTES + 1))).isInstanceOf(SourceException.class)
                .hasMessageContaining("at most " + Pointer.MAX_BYTES);
    }
}
