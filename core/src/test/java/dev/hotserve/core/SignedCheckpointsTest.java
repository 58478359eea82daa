package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.signing.ModelSigner;
import dev.hotserve.signing.SignatureMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Signed checkpoints" on the load path: in {@code enforce} only a checkpoint whose {@code .sig} a trusted key
 * signed, over the bytes loaded, replaces the serving model; a refusal is remembered per checkpoint
 * and signature, so a signature that arrives late is picked up.
 */
class SignedCheckpointsTest {

    static final Path SIGNING = Path.of("src/test/resources/signing").toAbsolutePath();
    static final Path KEY = SIGNING.resolve("oms-test-vectors/keys/signing-key.pem");
    static final Path PUB = SIGNING.resolve("oms-test-vectors/keys/signing-key-pub.pem");
    static final Path OTHER_KEY = SIGNING.resolve("p256-key.pem");

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    HotModelBuilder enforcing() {
        return HotModel.builder().directory(dir).loader(engine.loader()).signatures(SignatureMode.ENFORCE).trustedKeys(PUB);
    }

    static float answer(HotModel model) {
        try (Lease lease = model.acquire()) {
            return lease.predict(new float[4])[0];
        }
    }

    private Path checkpoint(int n) {
        return FakeCheckpoint.of(n).writeTo(dir.resolve("model_" + n + ".onnx"), base.plusSeconds(n));
    }

    private static Path sign(Path file, Path key) throws Exception {
        return Files.write(file.resolveSibling(file.getFileName() + ".sig"), ModelSigner.load(key).signFile(file));
    }

    private static String lastError(HotModel model) {
        return model.status().lastError().orElseThrow().reason();
    }

    @Test
    void signedServesUnsignedIsRefusedOnceAndALateSignatureIsPickedUp() throws Exception {
        sign(checkpoint(1), KEY);
        try (HotModel model = enforcing().build()) {
            assertThat(answer(model)).isEqualTo(1f);
            Path second = checkpoint(2);
            for (int i = 0; i < 100; i++) {
                assertThat(answer(model)).as("the old model keeps serving").isEqualTo(1f);
            }
            assertThat(lastError(model)).contains("unsigned").contains("model_2.onnx");
            assertThat(engine.attempts()).as("unsigned: refused before the engine saw it, and not retried").isEqualTo(1);
            assertThat(model.events()).filteredOn(e -> e.kind() == ReloadKind.FAILED).hasSize(1);

            sign(second, KEY); // the training job writes the file, then its signature
            assertThat(answer(model)).isEqualTo(2f);
            assertThat(model.status().lastError()).isEmpty();
        }
    }

    @Test
    void tamperedAfterSigningIsRefusedAndTheOldModelServes() throws Exception {
        sign(checkpoint(1), KEY);
        try (HotModel model = enforcing().build()) {
            assertThat(answer(model)).isEqualTo(1f);
            Path second = checkpoint(2);
            sign(second, KEY);
            FakeCheckpoint.of(22).writeTo(second, base.plusSeconds(3)); // rewritten after signing
            assertThat(answer(model)).isEqualTo(1f);
            assertThat(lastError(model)).contains("digest_mismatch");
        }
    }

    @Test
    void anotherFilesSignatureIsRefused() throws Exception {
        Path first = checkpoint(1);
        Path sig = sign(first, KEY);
        try (HotModel model = enforcing().build()) {
            assertThat(answer(model)).isEqualTo(1f);
            Path second = checkpoint(2);
            Files.copy(sig, second.resolveSibling("model_2.onnx.sig"));
            assertThat(answer(model)).isEqualTo(1f);
            assertThat(lastError(model)).contains("digest_mismatch");
        }
    }

    @Test
    void theRightFileSignedByAnUntrustedKeyIsRefused() throws Exception {
        sign(checkpoint(1), KEY);
        try (HotModel model = enforcing().build()) {
            assertThat(answer(model)).isEqualTo(1f);
            sign(checkpoint(2), OTHER_KEY);
            assertThat(answer(model)).isEqualTo(1f);
            assertThat(lastError(model)).contains("untrusted_key");
            assertThat(engine.attempts()).isEqualTo(1);
        }
    }

    @Test
    void warnLoadsAnUnsignedCheckpoint() {
        checkpoint(1);
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).signatures(SignatureMode.WARN).build()) {
            assertThat(answer(model)).isEqualTo(1f);
        }
    }

    @Test
    void enforceWithoutTrustedKeysStopsTheBuild() {
        assertThatThrownBy(() -> HotModel.builder().directory(dir).loader(engine.loader()).signatures(SignatureMode.ENFORCE).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HOTSERVE_TRUSTED_KEYS");
    }
}
