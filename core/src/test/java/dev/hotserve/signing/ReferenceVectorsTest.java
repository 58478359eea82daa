package dev.hotserve.signing;

import static dev.hotserve.signing.SigningMaterial.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hotserve.signing.SignatureException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The reference tool's own vectors (model_signing, v1.0.1 and v1.1.0, key and certificate method): README, "Signed checkpoints". */
class ReferenceVectorsTest {

    static List<String> keyVectors() {
        return KEY_VECTORS;
    }

    static List<String> certVectors() {
        return CERT_VECTORS;
    }

    static List<String> allVectors() {
        return List.of(KEY_VECTORS.get(0), KEY_VECTORS.get(1), CERT_VECTORS.get(0), CERT_VECTORS.get(1));
    }

    private static ModelVerifier verifierFor(String vector) {
        return new ModelVerifier(vector.contains("certificate") ? trust(REFERENCE_CA) : trust(REFERENCE_PUB));
    }

    private static Reason refusal(ModelVerifier v, Path dir, List<String> ignore) {
        SignatureException e = catchThrowableOfType(SignatureException.class, () -> v.verify(dir, dir.resolve("model.sig"), ignore));
        assertThat(e).as("refused").isNotNull();
        return e.reason();
    }

    @ParameterizedTest
    @MethodSource("keyVectors")
    void keyMethodVerifiesAndNamesTheKey(String vector) throws Exception {
        Path dir = VECTORS.resolve(vector);
        Verified v = verifierFor(vector).verify(dir, null, List.of("ignore-me"));
        assertThat(v.signer().keyHint()).isEqualTo(REFERENCE_HINT);
        assertThat(v.signer().certificateSubject()).isNull();
        assertThat(v.subjectName()).isEqualTo(vector);
    }

    @ParameterizedTest
    @MethodSource("certVectors")
    void certificateMethodVerifiesToTheRootCa(String vector) throws Exception {
        Path dir = VECTORS.resolve(vector);
        Verified v = verifierFor(vector).verify(dir, dir.resolve("model.sig"), List.of("ignore-me"));
        assertThat(v.signer().certificateSubject()).isEqualTo("CN=intermediate-ca");
        assertThat(v.signer().keyHint()).isEqualTo(REFERENCE_HINT);
    }

    @ParameterizedTest
    @MethodSource("allVectors")
    void ignoreMeNotIgnoredIsAnExtraFile(String vector) {
        assertThat(refusal(verifierFor(vector), VECTORS.resolve(vector), List.of())).isEqualTo(Reason.EXTRA_FILE);
    }

    @ParameterizedTest
    @MethodSource("allVectors")
    void aTamperedFileIsADigestMismatch(String vector, @TempDir Path tmp) throws Exception {
        Path dir = copy(vector, tmp);
        Files.writeString(dir.resolve("signme-1"), "tampered", StandardCharsets.UTF_8);
        assertThat(refusal(verifierFor(vector), dir, List.of("ignore-me"))).isEqualTo(Reason.DIGEST_MISMATCH);
    }

    @ParameterizedTest
    @MethodSource("allVectors")
    void aDeletedFileIsMissing(String vector, @TempDir Path tmp) throws Exception {
        Path dir = copy(vector, tmp);
        Files.delete(dir.resolve("signme-2"));
        assertThat(refusal(verifierFor(vector), dir, List.of("ignore-me"))).isEqualTo(Reason.MISSING_FILE);
    }

    @ParameterizedTest
    @MethodSource("allVectors")
    void anotherKeyOrCaIsUntrusted(String vector) {
        ModelVerifier other = new ModelVerifier(trust(ROOT.resolve("other-p384-pub.pem"), ROOT.resolve("other-ca.pem")));
        assertThat(refusal(other, VECTORS.resolve(vector), List.of("ignore-me"))).isEqualTo(Reason.UNTRUSTED_KEY);
    }

    @ParameterizedTest
    @MethodSource("certVectors")
    void theSigningKeyAloneDoesNotTrustACertificateChain(String vector) {
        assertThat(refusal(new ModelVerifier(trust(REFERENCE_PUB)), VECTORS.resolve(vector), List.of("ignore-me")))
                .isEqualTo(Reason.UNTRUSTED_KEY);
    }

    @ParameterizedTest
    @MethodSource("allVectors")
    void aChangedSignatureByteIsABadSignature(String vector, @TempDir Path tmp) throws Exception {
        Path dir = copy(vector, tmp);
        Path sig = dir.resolve("model.sig");
        String json = Files.readString(sig);
        var m = java.util.regex.Pattern.compile("\"sig\":\\s*\"").matcher(json);
        assertThat(m.find()).isTrue();
        int at = m.end() + 12; // inside the base64 of the DER signature, past its header
        char c = json.charAt(at);
        Files.writeString(sig, json.substring(0, at) + (c == 'A' ? 'B' : 'A') + json.substring(at + 1));
        assertThat(refusal(verifierFor(vector), dir, List.of("ignore-me"))).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @MethodSource("allVectors")
    void aChangedPayloadIsABadSignature(String vector, @TempDir Path tmp) throws Exception {
        Path dir = copy(vector, tmp);
        Path sig = dir.resolve("model.sig");
        var json = SignatureBundle.json();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(sig.toFile());
        var env = (com.fasterxml.jackson.databind.node.ObjectNode) root.get("dsseEnvelope");
        String statement = new String(java.util.Base64.getDecoder().decode(env.get("payload").asText()), StandardCharsets.UTF_8);
        // Point signme-1's digest at the tampered bytes: only the signature can catch this.
        String tampered = statement.replaceAll("[0-9a-f]{64}(?=\"[^}]*\"signme-1\")|(?<=\"signme-1\"[^}]{0,80}\")[0-9a-f]{64}",
                "0".repeat(64));
        assertThat(tampered).isNotEqualTo(statement);
        env.put("payload", java.util.Base64.getEncoder().encodeToString(tampered.getBytes(StandardCharsets.UTF_8)));
        json.writeValue(sig.toFile(), root);
        assertThat(refusal(verifierFor(vector), dir, List.of("ignore-me"))).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @MethodSource("keyVectors")
    void noSignatureIsUnsigned(String vector, @TempDir Path tmp) throws Exception {
        Path dir = copy(vector, tmp);
        Files.delete(dir.resolve("model.sig"));
        assertThat(refusal(verifierFor(vector), dir, List.of("ignore-me"))).isEqualTo(Reason.UNSIGNED);
    }
}
