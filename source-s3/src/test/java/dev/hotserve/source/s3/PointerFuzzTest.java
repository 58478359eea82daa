package dev.hotserve.source.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hotserve.source.SourceException;
import java.nio.charset.StandardCharsets;

/**
 * SECURITY.md (decoders never fail open) for the S3 pointer ({@code LATEST}): whoever can write it can write any
 * bytes; they give a key confined to the prefix or a {@link SourceException}, nothing else. Run as a
 * fuzzer with {@code bench/fuzz PointerFuzzTest#pointer <minutes>}.
 */
class PointerFuzzTest {

    @FuzzTest
    void pointer(byte[] body) {
        try {
            Pointer p = Pointer.parse(body, "s3://models/sac/LATEST");
            assertThat(p.key()).isNotEmpty().doesNotStartWith("/").doesNotContain("\n", "\r", "\0").isEqualTo(p.key().strip());
            assertThat(p.key().split("/", -1)).doesNotContain("..", ".", "");
            assertThat(p.key().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
            p.sha256().ifPresent(d -> assertThat(d).matches("[0-9a-f]{64}"));
        } catch (SourceException e) {
            assertThat(e.getMessage()).contains("s3://models/sac/LATEST");
        }
    }
}
