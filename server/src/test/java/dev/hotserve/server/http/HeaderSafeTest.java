package dev.hotserve.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** X-Model-Path stays a valid header for any path, and decodes back to it. */
class HeaderSafeTest {

    @Test
    void nonAsciiAndPercentArePercentEncodedAndDecodeBack() {
        assertThat(ModelHeaders.headerSafe("/m/model 1.onnx")).isEqualTo("/m/model 1.onnx");
        String odd = "/m/modèle_100%.onnx";
        String safe = ModelHeaders.headerSafe(odd);
        assertThat(safe).isEqualTo("/m/mod%C3%A8le_100%25.onnx");
        assertThat(URLDecoder.decode(safe.replace("+", "%2B"), StandardCharsets.UTF_8)).isEqualTo(odd);
    }
}
