package dev.hotserve.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which encoding an Accept-Encoding value gets: gzip first, deflate next, nothing a q=0 refuses. */
class CompressionChoiceTest {

    private static Optional<String> chosen(String accept) {
        return Compression.chosen(Optional.ofNullable(accept));
    }

    @Test
    void gzipIsPreferredThenDeflate() {
        assertThat(chosen("gzip")).hasValue("gzip");
        assertThat(chosen("deflate, gzip;q=0.5")).hasValue("gzip");
        assertThat(chosen("deflate")).hasValue("deflate");
        assertThat(chosen(" GZIP ")).hasValue("gzip");
    }

    @Test
    void nothingWhenAbsentUnknownOrRefused() {
        assertThat(chosen(null)).isEmpty();
        assertThat(chosen("br, identity")).isEmpty();
        assertThat(chosen("gzip;q=0")).isEmpty();
        assertThat(chosen("gzip; q=0.000, deflate;q=0.1")).hasValue("deflate");
    }
}
