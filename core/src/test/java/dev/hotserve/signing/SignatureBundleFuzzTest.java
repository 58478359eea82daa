package dev.hotserve.signing;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * SECURITY.md for the signature bundle ({@code <checkpoint>.sig}) and the in-toto statement inside
 * it: any bytes give a bundle or a {@link SignatureException}, nothing else. Run as a fuzzer with
 * {@code bench/fuzz SignatureBundleFuzzTest#<method> <minutes>}.
 */
class SignatureBundleFuzzTest {

    @FuzzTest
    void bundle(byte[] bytes) {
        try {
            SignatureBundle b = SignatureBundle.parse(bytes);
            assertThat(b.payload()).isNotNull();
        } catch (SignatureException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @FuzzTest
    void statement(byte[] bytes) {
        try {
            assertThat(Statement.parse(bytes)).isNotNull();
        } catch (SignatureException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
