package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hotserve.core.CheckpointLoading.Refused;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * SECURITY.md for the two sidecars: whatever bytes a checkpoint writer puts in {@code .sha256} or
 * {@code .json}, the parser gives a value or a {@link Refused}; any other exception is a finding.
 * In a normal build these run over the committed inputs ({@code SidecarsFuzzTestInputs/}); as a
 * fuzzer with {@code bench/fuzz SidecarsFuzzTest#<method> <minutes>}.
 */
class SidecarsFuzzTest {

    private static final Path WHERE = Path.of("/models/model_1.onnx.sidecar");

    @FuzzTest
    void sha256Sidecar(byte[] bytes) {
        try {
            assertThat(Sidecars.sha256(WHERE, new String(bytes, StandardCharsets.UTF_8))).matches("[0-9a-f]{64}");
        } catch (Refused e) {
            assertThat(e.getMessage()).startsWith(WHERE.toString());
        }
    }

    @FuzzTest
    void jsonSidecar(byte[] bytes) {
        try {
            Sidecars.Json s = Sidecars.json(WHERE, new String(bytes, StandardCharsets.UTF_8));
            s.stateDim().ifPresent(d -> assertThat(d).isPositive());
            if (s.goldenInputs() != null) {
                assertThat(s.goldenInputs().length).isPositive().isEqualTo(s.goldenOutputs().length);
                assertThat(s.atol() >= 0).as("atol %s", s.atol()).isTrue(); // -0.0 is a fine tolerance
            }
        } catch (Refused e) {
            assertThat(e.getMessage()).startsWith(WHERE.toString());
        }
    }
}
