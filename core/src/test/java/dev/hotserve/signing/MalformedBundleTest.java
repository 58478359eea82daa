package dev.hotserve.signing;

import static dev.hotserve.signing.SigningMaterial.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hotserve.signing.SignatureException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SECURITY.md for the signature bundle: any input gives a value or the typed error. Until the decoders'
 * Jazzer harness lands in core, a seeded mutation run over the reference bundles stands in for it.
 */
class MalformedBundleTest {

    @Test
    void mutatedBundlesGiveOnlyTheTypedError() throws Exception {
        TrustedKeys trusted = trust(REFERENCE_PUB, REFERENCE_CA);
        ModelVerifier verifier = new ModelVerifier(trusted);
        Random random = new Random(24);
        int refused = 0;
        for (String v : List.of(KEY_VECTORS.get(0), KEY_VECTORS.get(1), CERT_VECTORS.get(0), CERT_VECTORS.get(1))) {
            byte[] original = Files.readAllBytes(VECTORS.resolve(v).resolve("model.sig"));
            for (int i = 0; i < 2_000; i++) {
                byte[] b = mutate(original, random);
                try {
                    verifier.verifyFile(SignatureBundle.parse(b), "signme-1", new byte[32]);
                } catch (SignatureException e) {
                    refused++;
                } catch (RuntimeException e) {
                    throw new AssertionError("mutation " + i + " of " + v + " threw " + e + " for "
                            + new String(b, StandardCharsets.UTF_8), e);
                }
            }
        }
        assertThat(refused).isEqualTo(8_000);
    }

    private static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        switch (r.nextInt(4)) {
            case 0 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            case 1 -> {
                int cut = r.nextInt(b.length);
                b = java.util.Arrays.copyOf(b, cut);
            }
            case 2 -> {
                for (int k = 0; k < 8; k++) {
                    b[r.nextInt(b.length)] = (byte) " {}[]\":,0aZ=\\".charAt(r.nextInt(13));
                }
            }
            default -> {
                int at = r.nextInt(b.length);
                byte[] out = new byte[b.length + 1];
                System.arraycopy(b, 0, out, 0, at);
                out[at] = (byte) r.nextInt(256);
                System.arraycopy(b, at, out, at + 1, b.length - at);
                b = out;
            }
        }
        return b;
    }

    @Test
    void emptyHugeAndNonJsonAreMalformed() {
        for (byte[] b : List.of(new byte[0], "[]".getBytes(), "null".getBytes(), "{\"mediaType\":1}".getBytes(),
                "{\"a\":".repeat(100).getBytes(), new byte[SignatureBundle.MAX_BUNDLE_BYTES + 1])) {
            assertThat(catchThrowableOfType(SignatureException.class, () -> SignatureBundle.parse(b)).reason())
                    .isEqualTo(Reason.MALFORMED_BUNDLE);
        }
    }
}
