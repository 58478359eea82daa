package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.source.s3.Fixtures;
import dev.hotserve.source.s3.S3Store;
import dev.hotserve.source.s3.StoreRelay;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Run a fleet" end to end: a real server (its S3 source built from {@code HOTSERVE_SOURCE} and the
 * standard credential chain) following a real S3-protocol store (S3Proxy on loopback), reached
 * through a relay that can cut a transfer. One scenario per test. The poll interval is shortened
 * to 100 ms so the tests do not wait out the 2 s default; nothing else differs from production.
 */
class S3ServingTest {

    private static final String PREFIX = "sac/";
    private static final byte[] SEED0 = Fixtures.bytes("actor_seed0.onnx");
    private static final byte[] SEED1 = Fixtures.bytes("actor_seed1.onnx");
    private static final byte[] SEED2 = Fixtures.bytes("actor_seed2.onnx");
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    private S3Store store;
    private StoreRelay relay;
    private TestServer server;

    @BeforeEach
    void startStore() {
        store = S3Store.start();
        relay = new StoreRelay(store.port());
    }

    @AfterEach
    void stopAll() {
        if (server != null) {
            server.close();
        }
        relay.close();
        store.close();
    }

    private TestServer startServer(URI endpoint, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("HOTSERVE_SOURCE", "s3://" + S3Store.BUCKET + "/" + PREFIX);
        env.put("HOTSERVE_S3_ENDPOINT", endpoint.toString());
        env.put("HOTSERVE_CACHE_DIR", work.resolve("cache").toString());
        env.putIfAbsent("HOTSERVE_POLL_INTERVAL", "100ms");
        server = TestServer.start(work, env);
        return server;
    }

    private TestServer startServer() {
        return startServer(relay.endpoint(), Map.of());
    }

    private void publish(String name, byte[] bytes) {
        store.put(PREFIX + name, bytes);
        store.pointTo(PREFIX, name, Optional.of(Fixtures.sha256(bytes)));
    }

    private JsonNode info() {
        return TestServer.json(server.get("/sac/model/info"));
    }

    private void awaitServing(String version, byte[] bytes) {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode i = info();
            assertThat(i.path("version").asText()).isEqualTo(version);
            assertThat(i.path("sha256").asText()).isEqualTo(Fixtures.sha256(bytes));
        });
    }

    private void assertPredicts() {
        HttpResponse<String> r = server.post("/sac/predict", TestServer.predictBody(28, 0.1));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private List<String> cachedCheckpoints() throws IOException {
        try (Stream<Path> s = Files.list(work.resolve("cache").resolve("sac"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx")).sorted().toList();
        }
    }

    @Test
    void aPublishedCheckpointIsServedFromTheStart() {
        publish("model_a.onnx", SEED0);

        startServer();

        // Polled once at start-up, so the first model loads before the server listens, as a local one would.
        JsonNode i = info();
        assertThat(i.path("loaded").asBoolean()).isTrue();
        assertThat(i.path("version").asText()).isEqualTo("model_a");
        assertThat(i.path("checkpoint").asText()).isEqualTo("s3://models/sac/model_a.onnx");
        assertThat(i.path("sha256").asText()).isEqualTo(Fixtures.sha256(SEED0));
        assertThat(i.path("source_health").path("reachable").asBoolean()).isTrue();
        assertThat(Instant.parse(i.path("source_health").path("last_reached").asText())).isBefore(Instant.now().plusSeconds(1));
        assertPredicts();
    }

    @Test
    void aPointerFlipIsServed() {
        publish("model_a.onnx", SEED0);
        startServer();

        publish("model_b.onnx", SEED1);

        awaitServing("model_b", SEED1);
        assertThat(info().path("generation").asLong()).isEqualTo(2);
        assertPredicts();
    }

    @Test
    void pointingBackAtAnOlderKeyRollsBack() {
        publish("model_a.onnx", SEED0);
        startServer();
        publish("model_b.onnx", SEED1);
        awaitServing("model_b", SEED1);

        store.pointTo(PREFIX, "model_a.onnx", Optional.of(Fixtures.sha256(SEED0)));

        awaitServing("model_a", SEED0);
        JsonNode i = info();
        assertThat(i.path("generation").asLong()).isEqualTo(3);
        assertThat(i.path("pinned").asBoolean()).as("a rollback by pointer is followed, not pinned").isFalse();
        // And the fleet follows the pointer forward again.
        publish("model_c.onnx", SEED2);
        awaitServing("model_c", SEED2);
    }

    @Test
    void withoutAPointerTheNewestKeyServes() {
        Instant z = store.put(PREFIX + "model_z.onnx", SEED0).lastModified();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.put(PREFIX + "model_a.onnx", SEED1).lastModified().isAfter(z));

        startServer();

        awaitServing("model_a", SEED1);
    }

    @Test
    void aSha256MismatchIsRefusedAndTheLastGoodKeepsServing() {
        publish("model_a.onnx", SEED0);
        startServer();

        store.put(PREFIX + "model_b.onnx", SEED1);
        store.pointTo(PREFIX, "model_b.onnx", Optional.of(Fixtures.sha256(SEED2)));

        await().atMost(WAIT).untilAsserted(() -> assertThat(info().path("last_error").path("reason").asText())
                .contains("sha256 mismatch").contains("s3://models/sac/model_b.onnx"));
        JsonNode i = info();
        assertThat(i.path("version").asText()).isEqualTo("model_a");
        assertThat(i.path("generation").asLong()).isEqualTo(1);
        assertPredicts();
        assertThat(server.get("/metrics").body()).containsPattern("hotserve_load_failures_total\\{model=\"sac\"} [1-9]");
    }

    @Test
    void hostilePointersAreRefusedAndNothingIsWrittenOutsideTheCache() throws IOException {
        // SECURITY.md: each pointer a real probe; the store holds an object under each key that S3 accepts.
        publish("model_a.onnx", SEED0);
        startServer();
        awaitServing("model_a", SEED0);
        List<String> hostile = List.of("../evil.onnx", "/etc/evil.onnx", "sub/../../evil.onnx", "./model_a.onnx", "a\\nb.onnx",
                "model_\\u0000.onnx", "x".repeat(5_000) + ".onnx", "..", "sub//model_a.onnx");
        for (String key : hostile) {
            store.put(PREFIX + "LATEST", "{\"key\": \"" + key + "\"}");
            await().atMost(WAIT).untilAsserted(() -> assertThat(info().path("source_health").path("last_error").asText())
                    .as(key).contains("pointer"));
            assertThat(info().path("version").asText()).as(key).isEqualTo("model_a");
            assertPredicts();
            store.pointTo(PREFIX, "model_a.onnx", Optional.of(Fixtures.sha256(SEED0)));
            await().atMost(WAIT).untilAsserted(() -> assertThat(info().path("source_health").path("last_error").isMissingNode()
                    || info().path("source_health").path("last_error").isNull()).as(key + ": recovered").isTrue());
        }
        Path cache = work.resolve("cache");
        try (Stream<Path> all = Files.walk(work)) {
            assertThat(all.filter(Files::isRegularFile).filter(p -> !p.startsWith(cache)).map(Path::toString))
                    .as("every file written lies under the cache").isEmpty();
        }
    }

    @Test
    void aPointerToAMissingKeyIsRecordedAndTheLastGoodKeepsServing() {
        publish("model_a.onnx", SEED0);
        startServer();

        store.pointTo(PREFIX, "model_gone.onnx", Optional.empty());

        await().atMost(WAIT).untilAsserted(() -> assertThat(info().path("source_health").path("last_error").asText())
                .contains("s3://models/sac/model_gone.onnx").contains("does not exist"));
        assertThat(info().path("version").asText()).isEqualTo("model_a");
        assertPredicts();
    }

    @Test
    void theStoreStoppedWhileServingKeepsServingAndRecoversWhenItReturns() {
        publish("model_a.onnx", SEED0);
        startServer();

        store.stopServer();
        relay.cutAll();

        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode h = info().path("source_health");
            assertThat(h.path("reachable").asBoolean()).isFalse();
            assertThat(h.path("last_error").asText()).contains("cannot reach the store");
            assertThat(h.path("consecutive_failures").asInt()).isPositive();
        });
        assertThat(server.get("/metrics").body()).contains("hotserve_source_reachable{model=\"sac\"} 0.0");
        assertThat(info().path("version").asText()).isEqualTo("model_a");
        assertPredicts();

        store.startServer();
        publish("model_b.onnx", SEED1);

        awaitServing("model_b", SEED1);
        assertThat(info().path("source_health").path("reachable").asBoolean()).isTrue();
        assertThat(server.get("/metrics").body()).contains("hotserve_source_reachable{model=\"sac\"} 1.0");
    }

    @Test
    void theStoreAbsentAtStartAnswers503ThenServes() {
        S3Store later = S3Store.notStarted();
        try {
            startServer(later.endpoint(), Map.of());
            HttpResponse<String> predict = server.post("/sac/predict", TestServer.predictBody(28, 0.1));
            assertThat(predict.statusCode()).isEqualTo(503);
            HttpResponse<String> noInfo = server.get("/sac/model/info");
            assertThat(noInfo.statusCode()).isEqualTo(503);
            assertThat(TestServer.json(noInfo).path("source_health").path("reachable").asBoolean()).isFalse();

            later.startServer();
            later.createBucket();
            later.put(PREFIX + "model_a.onnx", SEED0);
            later.pointTo(PREFIX, "model_a.onnx", Optional.empty());

            await().atMost(WAIT).untilAsserted(() -> assertThat(server.get("/sac/model/info").statusCode()).isEqualTo(200));
            assertThat(info().path("version").asText()).isEqualTo("model_a");
            assertPredicts();
        } finally {
            server.close();
            server = null;
            later.close();
        }
    }

    @Test
    void aDownloadCutOffHalfWayIsNeverLoadedAndTheSameCheckpointLoadsOnceTheStoreReturns() {
        publish("model_a.onnx", SEED0);
        startServer();

        relay.holdAfter(SEED1.length / 2);
        publish("model_b.onnx", SEED1);
        await().atMost(WAIT).until(relay::holding);
        store.stopServer();
        relay.cutAll();

        await().atMost(WAIT).untilAsserted(() -> assertThat(info().path("source_health").path("last_error").asText())
                .containsPattern("(cut off after|ended after) \\d+ of " + SEED1.length + " bytes"));
        JsonNode i = info();
        assertThat(i.path("version").asText()).isEqualTo("model_a");
        assertThat(i.path("generation").asLong()).isEqualTo(1);
        assertPredicts();

        relay.release();
        store.startServer();

        awaitServing("model_b", SEED1);
        assertThat(TestServer.json(server.get("/sac/model/events")).findValuesAsText("kind")).doesNotContain("failed");
    }

    @Test
    void theCacheKeepsTheLastThreeCheckpoints() throws IOException {
        byte[][] bytes = {SEED0, SEED1, SEED2, SEED0, SEED1};
        publish("model_0.onnx", bytes[0]);
        startServer();
        for (int n = 1; n < bytes.length; n++) {
            publish("model_" + n + ".onnx", bytes[n]);
            awaitServing("model_" + n, bytes[n]);
        }

        // Staged under a hash of the key, never the key's own name (SECURITY.md).
        assertThat(cachedCheckpoints()).containsExactlyInAnyOrder(staged("model_2.onnx"), staged("model_3.onnx"), staged("model_4.onnx"));
    }

    private static String staged(String name) {
        return "ckpt-" + Fixtures.sha256((PREFIX + name).getBytes(StandardCharsets.UTF_8)).substring(0, 24) + ".onnx";
    }
}
