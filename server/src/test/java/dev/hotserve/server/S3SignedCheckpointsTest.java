package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.signing.ModelSigner;
import dev.hotserve.source.s3.Fixtures;
import dev.hotserve.source.s3.S3Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Signed checkpoints" for an S3 source, on a real port against S3Proxy: with {@code enforce}, a checkpoint's
 * {@code <key>.sig} is staged with it and verified on the staged bytes; an unsigned or wrongly
 * signed checkpoint is refused while the old one serves; a signature uploaded after its
 * checkpoint gets it served; the info route names the signer.
 */
class S3SignedCheckpointsTest {

    private static final String PREFIX = "sac/";
    private static final byte[] SEED0 = Fixtures.bytes("actor_seed0.onnx");
    private static final byte[] SEED1 = Fixtures.bytes("actor_seed1.onnx");
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    private S3Store store;
    private TestServer server;

    @BeforeEach
    void startStore() {
        store = S3Store.start();
    }

    @AfterEach
    void stopAll() {
        if (server != null) {
            server.close();
        }
        store.close();
    }

    private void startServer() {
        server = TestServer.start(work, Map.of(
                "HOTSERVE_SOURCE", "s3://" + S3Store.BUCKET + "/" + PREFIX,
                "HOTSERVE_S3_ENDPOINT", store.endpoint().toString(),
                "HOTSERVE_CACHE_DIR", work.resolve("cache").toString(),
                "HOTSERVE_POLL_INTERVAL", "100ms",
                "HOTSERVE_SIGNATURES", "enforce",
                "HOTSERVE_TRUSTED_KEYS", SignedCheckpointsEndToEndTest.PUB.toString()));
    }

    /** The bundle the training job would upload beside {@code name}: signed over a file of that name. */
    private byte[] signature(String name, byte[] bytes, Path key) throws Exception {
        Path dir = Files.createDirectories(work.resolve("signing").resolve(name + "-" + System.nanoTime()));
        Path file = Files.write(dir.resolve(name), bytes);
        return ModelSigner.load(key).signFile(file);
    }

    private JsonNode info() {
        return TestServer.json(server.get("/sac/model/info"));
    }

    private void awaitServing(String version) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(info().path("version").asText()).isEqualTo(version));
    }

    private void awaitRefused(String key) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(TestServer.json(server.get("/sac/model/events")).toString())
                .contains("failed").contains(key));
    }

    @Test
    void onlySignedCheckpointsServeAndALateSignatureIsPickedUp() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.put(PREFIX + "model_a.onnx.sig", signature("model_a.onnx", SEED0, SignedCheckpointsEndToEndTest.KEY));
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        startServer();
        awaitServing("model_a");
        assertThat(info().path("signer").asText()).as("the info route names the signer").isNotBlank();

        store.put(PREFIX + "model_b.onnx", SEED1);
        store.pointTo(PREFIX, "model_b.onnx", Optional.empty());
        awaitRefused("model_b.onnx");
        assertThat(info().path("version").asText()).as("unsigned: the old model keeps serving").isEqualTo("model_a");
        assertThat(server.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);

        // The training job uploads the checkpoint, then its signature.
        store.put(PREFIX + "model_b.onnx.sig", signature("model_b.onnx", SEED1, SignedCheckpointsEndToEndTest.KEY));
        awaitServing("model_b");
        assertThat(info().path("sha256").asText()).isEqualTo(Fixtures.sha256(SEED1));
    }

    @Test
    void aSignatureOfOtherBytesOrByAnUntrustedKeyIsRefused() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.put(PREFIX + "model_a.onnx.sig", signature("model_a.onnx", SEED0, SignedCheckpointsEndToEndTest.KEY));
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        startServer();
        awaitServing("model_a");

        store.put(PREFIX + "model_b.onnx", SEED1);
        store.put(PREFIX + "model_b.onnx.sig", signature("model_b.onnx", SEED0, SignedCheckpointsEndToEndTest.KEY)); // other bytes
        store.pointTo(PREFIX, "model_b.onnx", Optional.empty());
        awaitRefused("model_b.onnx");

        store.put(PREFIX + "model_c.onnx", SEED1);
        store.put(PREFIX + "model_c.onnx.sig", signature("model_c.onnx", SEED1, SignedCheckpointsEndToEndTest.OTHER_KEY));
        store.pointTo(PREFIX, "model_c.onnx", Optional.empty());
        awaitRefused("model_c.onnx");
        assertThat(info().path("version").asText()).isEqualTo("model_a");
    }
}
