package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.server.config.ConfigException;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.Setting;
import dev.hotserve.signing.ModelSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Signed checkpoints" end to end: the real server on a real port with real ONNX checkpoints and
 * {@code HOTSERVE_SIGNATURES=enforce}: signed is served; unsigned, tampered and wrongly signed are
 * refused while the old model keeps serving; a signature written after its checkpoint is picked up.
 */
class SignedCheckpointsEndToEndTest {

    static final Path SIGNING = Path.of("../core/src/test/resources/signing").toAbsolutePath().normalize();
    static final Path KEY = SIGNING.resolve("oms-test-vectors/keys/signing-key.pem");
    static final Path PUB = SIGNING.resolve("oms-test-vectors/keys/signing-key-pub.pem");
    static final Path OTHER_KEY = SIGNING.resolve("p256-key.pem");

    @TempDir
    Path dir;

    private Map<String, String> enforce() {
        return Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_SIGNATURES", "enforce", "HOTSERVE_TRUSTED_KEYS", PUB.toString());
    }

    private static void sign(Path checkpoint, Path key) throws Exception {
        Files.write(checkpoint.resolveSibling(checkpoint.getFileName() + ".sig"), ModelSigner.load(key).signFile(checkpoint));
    }

    private static String servedPath(TestServer s) {
        JsonNode info = TestServer.json(s.get("/sac/model/info"));
        return info.get("path").asText();
    }

    private static String predictPath(TestServer s) {
        var r = s.post("/sac/predict", TestServer.predictBody(28, 0.1));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.json(r).get("model_path").asText();
    }

    @Test
    void signedIsServedUnsignedIsRefusedAndALateSignatureIsPickedUp() throws Exception {
        Path first = Checkpoints.publish(dir, "actor_seed0.onnx", "model_2026-04-01.onnx", 1);
        sign(first, KEY);
        try (TestServer s = TestServer.start(dir, enforce())) {
            assertThat(predictPath(s)).isEqualTo(first.toString());

            Path second = Checkpoints.publish(dir, "actor_seed1.onnx", "model_2026-04-02.onnx", 2);
            assertThat(predictPath(s)).as("unsigned: the old model keeps serving").isEqualTo(first.toString());
            assertThat(predictPath(s)).isEqualTo(first.toString());
            assertThat(s.get("/metrics").body()).as("refusals are counted by reason")
                    .containsPattern("hotserve_signature_refusals_total\\{model=\"sac\",reason=\"unsigned\"\\} [1-9]");

            sign(second, KEY); // the training job writes the checkpoint, then its signature
            assertThat(predictPath(s)).isEqualTo(second.toString());
            assertThat(servedPath(s)).isEqualTo(second.toString());
        }
    }

    @Test
    void tamperedAndWronglySignedAreRefused() throws Exception {
        Path first = Checkpoints.publish(dir, "actor_seed0.onnx", "model_2026-04-01.onnx", 1);
        sign(first, KEY);
        try (TestServer s = TestServer.start(dir, enforce())) {
            assertThat(predictPath(s)).isEqualTo(first.toString());

            Path second = Checkpoints.publish(dir, "actor_seed1.onnx", "model_2026-04-02.onnx", 2);
            sign(second, OTHER_KEY);
            assertThat(predictPath(s)).as("signed by an untrusted key").isEqualTo(first.toString());

            Path third = Checkpoints.publish(dir, "actor_seed1.onnx", "model_2026-04-03.onnx", 3);
            sign(third, KEY);
            Checkpoints.publish(dir, "actor_seed0.onnx", "model_2026-04-03.onnx", 4); // rewritten after signing
            assertThat(predictPath(s)).as("tampered after signing").isEqualTo(first.toString());
        }
    }

    @Test
    void theSignerIsNamedByTheInfoRouteTheDashboardAndTheReloadLog() throws Exception {
        Path first = Checkpoints.publish(dir, "actor_seed0.onnx", "model_2026-04-01.onnx", 1);
        sign(first, KEY);
        String signer = "key sha256:" + ModelSigner.load(KEY).keyHint();
        try (TestServer s = TestServer.start(dir, enforce())) {
            assertThat(predictPath(s)).isEqualTo(first.toString());
            assertThat(TestServer.json(s.get("/sac/model/info")).path("signer").asText()).isEqualTo(signer);
            assertThat(TestServer.json(s.get("/v2/models/sac")).path("parameters").path("signer").asText())
                    .as("the OIP model metadata names the signer too").isEqualTo(signer);

            JsonNode events = TestServer.json(s.get("/sac/model/events"));
            assertThat(events.toString()).as("the reload log says who signed what it loaded").contains("signed by " + signer);

            try (DashboardStreamTest.EventReader stream = new DashboardStreamTest.EventReader(s, "")) {
                assertThat(stream.next().raw()).as("the dashboard's stream carries the signer it shows").contains(signer);
            }
            assertThat(s.get("/ui/").body()).contains("signed by").contains("f-signer");
        }
    }

    @Test
    void aRollbackToAnOlderSignedVersionWorksAndOneWhoseSignatureIsGoneIsRefused() throws Exception {
        Path first = Checkpoints.publish(dir, "actor_seed0.onnx", "model_2026-04-01.onnx", 1);
        sign(first, KEY);
        Path second = Checkpoints.publish(dir, "actor_seed1.onnx", "model_2026-04-02.onnx", 2);
        sign(second, KEY);
        try (TestServer s = TestServer.start(dir, enforce())) {
            assertThat(predictPath(s)).isEqualTo(second.toString());
            Path third = Checkpoints.publish(dir, "actor_seed2.onnx", "model_2026-04-03.onnx", 3);
            sign(third, KEY);
            assertThat(predictPath(s)).isEqualTo(third.toString());

            var rolled = s.post("/sac/model/rollback", "{\"generation\":1}");
            assertThat(rolled.statusCode()).as(rolled.body()).isEqualTo(200);
            JsonNode info = TestServer.json(rolled);
            assertThat(info.get("path").asText()).isEqualTo(second.toString());
            assertThat(info.path("signer").asText()).as("verified again on the way back").startsWith("key sha256:");
            assertThat(predictPath(s)).isEqualTo(second.toString());

            Files.delete(third.resolveSibling(third.getFileName() + ".sig"));
            var refused = s.post("/sac/model/rollback", "{\"generation\":2}");
            assertThat(refused.statusCode()).as("an unsigned rollback target is refused").isGreaterThanOrEqualTo(400);
            assertThat(refused.body()).contains("signature");
            assertThat(predictPath(s)).as("what served keeps serving").isEqualTo(second.toString());
        }
    }

    @Test
    void enforceWithoutTrustedKeysStopsStartUp() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.<Setting, String>of(),
                Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_SIGNATURES", "enforce"), dir))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HOTSERVE_TRUSTED_KEYS");
    }
}
