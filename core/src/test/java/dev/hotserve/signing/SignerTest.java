package dev.hotserve.signing;

import static dev.hotserve.signing.SigningMaterial.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hotserve.signing.SignatureException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What {@link ModelSigner} writes verifies with {@link ModelVerifier}, and fails the way the vectors do. */
class SignerTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"p256-key.pem, p256-pub.pem", "oms-test-vectors/keys/signing-key.pem, oms-test-vectors/keys/signing-key-pub.pem",
            "p521-key.pem, p521-pub.pem", "other-p384-pkcs8.pem, other-p384-pub.pem"})
    void aSignedFileVerifiesWithItsPublicKeyOnly(String key, String pub) throws Exception {
        Path model = Files.write(tmp.resolve("model_0001.onnx"), new byte[] {1, 2, 3, 4});
        ModelSigner signer = ModelSigner.load(ROOT.resolve(key));
        Path sig = Files.write(tmp.resolve("model_0001.onnx.sig"), signer.signFile(model));

        Verified v = new ModelVerifier(trust(ROOT.resolve(pub))).verifyFile(model, sig);
        assertThat(v.signer().keyHint()).isEqualTo(signer.keyHint());
        assertThat(v.subjectName()).isEqualTo("model_0001.onnx");

        // The load path: the caller's digest of the bytes the engine gets.
        SignatureBundle bundle = SignatureBundle.read(sig);
        byte[] digest = Pem.sha256(new byte[] {1, 2, 3, 4});
        assertThat(new ModelVerifier(trust(ROOT.resolve(pub))).verifyFile(bundle, "model_0001.onnx", digest).signer())
                .isEqualTo(v.signer());
        SignatureException wrongBytes = catchThrowableOfType(SignatureException.class, () ->
                new ModelVerifier(trust(ROOT.resolve(pub))).verifyFile(bundle, "model_0001.onnx", Pem.sha256(new byte[] {9})));
        assertThat(wrongBytes.reason()).isEqualTo(Reason.DIGEST_MISMATCH);

        SignatureException other = catchThrowableOfType(SignatureException.class, () ->
                new ModelVerifier(trust(pub.startsWith("p256") ? ROOT.resolve("p521-pub.pem") : ROOT.resolve("p256-pub.pem")))
                        .verifyFile(model, sig));
        assertThat(other.reason()).isEqualTo(Reason.UNTRUSTED_KEY);
    }

    @Test
    void theReferenceKeysHintIsTheOneModelSigningWrote() throws Exception {
        assertThat(ModelSigner.load(REFERENCE_KEY).keyHint()).isEqualTo(REFERENCE_HINT);
        assertThat(TrustedKeys.load(List.of(REFERENCE_PUB)).keyHints()).containsExactly(REFERENCE_HINT);
    }

    @Test
    void aFileTamperedAfterSigningIsADigestMismatch() throws Exception {
        Path model = Files.writeString(tmp.resolve("m.onnx"), "weights");
        Path sig = Files.write(tmp.resolve("m.onnx.sig"), ModelSigner.load(REFERENCE_KEY).signFile(model));
        Files.writeString(model, "weightz");
        SignatureException e = catchThrowableOfType(SignatureException.class, () ->
                new ModelVerifier(trust(REFERENCE_PUB)).verifyFile(model, sig));
        assertThat(e.reason()).isEqualTo(Reason.DIGEST_MISMATCH);
    }

    @Test
    void anotherFilesSignatureIsRefused() throws Exception {
        ModelSigner signer = ModelSigner.load(REFERENCE_KEY);
        Path a = Files.writeString(tmp.resolve("a.onnx"), "a");
        Path b = Files.writeString(tmp.resolve("b.onnx"), "b");
        Path sig = Files.write(tmp.resolve("b.onnx.sig"), signer.signFile(a));
        SignatureException e = catchThrowableOfType(SignatureException.class, () ->
                new ModelVerifier(trust(REFERENCE_PUB)).verifyFile(b, sig));
        assertThat(e.reason()).isEqualTo(Reason.DIGEST_MISMATCH);
    }

    @Test
    void aDirectoryVerifiesAsTheReferenceToolSignsOne() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(dir.resolve("weights.bin"), "w");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/config.json"), "{}");
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        Files.write(dir.resolve("model.sig"), ModelSigner.load(REFERENCE_KEY).signDirectory(dir, List.of("notes.txt")));
        ModelVerifier v = new ModelVerifier(trust(REFERENCE_PUB));
        assertThat(v.verify(dir, null, List.of("notes.txt")).signer().keyHint()).isEqualTo(REFERENCE_HINT);
        assertThat(catchThrowableOfType(SignatureException.class, () -> v.verify(dir, null, List.of())).reason())
                .isEqualTo(Reason.EXTRA_FILE);
    }

    @Test
    void aKeyFileWithoutAKeyIsAMalformedKey() {
        assertThat(catchThrowableOfType(SignatureException.class, () -> ModelSigner.fromPem("no key here")).reason())
                .isEqualTo(Reason.MALFORMED_KEY);
        assertThat(catchThrowableOfType(SignatureException.class, () -> ModelSigner.fromPem(
                "-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n")).reason())
                .isEqualTo(Reason.MALFORMED_KEY);
        assertThat(HexFormat.of().formatHex(Pem.sha256(new byte[0]))).startsWith("e3b0c442");
    }
}
