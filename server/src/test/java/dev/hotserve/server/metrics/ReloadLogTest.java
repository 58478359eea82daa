package dev.hotserve.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.ReloadEvent;
import dev.hotserve.core.ReloadKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** One reload event is one key=value line; values with spaces or quotes are quoted so the line splits unambiguously. */
class ReloadLogTest {

    @Test
    void aFailedLoadIsOneStructuredLine() {
        ReloadEvent e = new ReloadEvent(Instant.EPOCH, ReloadKind.FAILED, 3, 3, Path.of("/m/model_4.onnx"),
                "load refused", Duration.ofNanos(1_234_567), "bad \"proto\"\nline two");
        assertThat(ReloadLog.line("sac", e)).isEqualTo(
                "reload model=sac kind=failed old=3 new=3 path=/m/model_4.onnx duration_ms=1.235 reason=\"load refused\""
                        + " error=\"bad \\\"proto\\\"\\nline two\"");
    }

    @Test
    void aFileNameCannotForgeALine() {
        // SECURITY.md: a checkpoint named by its writer, carrying CR, LF, ESC and a fake second record.
        Path hostile = Path.of("/m/model_1.onnx\r\nreload model=sac kind=loaded old=1 new=99 \u001b[2J\u2028x.onnx");
        ReloadEvent e = new ReloadEvent(Instant.EPOCH, ReloadKind.LOADED, 1, 2, hostile, "newer file", Duration.ZERO, null);
        String line = ReloadLog.line("sac", e);
        assertThat(line).doesNotContain("\r").doesNotContain("\n").doesNotContain("\u001b").doesNotContain("\u2028");
        assertThat(line).contains("path=\"/m/model_1.onnx\\r\\nreload model=sac kind=loaded old=1 new=99 \\u001b[2J\\u2028x.onnx\"");
    }
}
