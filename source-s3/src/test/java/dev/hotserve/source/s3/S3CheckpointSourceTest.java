package dev.hotserve.source.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.NotYetCompleteException;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.SourceHealth;
import dev.hotserve.source.StagedCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The S3 source against a real S3-protocol server (S3Proxy on loopback), reached through a relay
 * that records each request and can cut a transfer. Each test is one scenario of README, "Run a fleet"; the
 * test drives {@link S3CheckpointSource#poll()} and {@link S3CheckpointSource#stage} itself, as
 * the core's poller and loader would.
 */
class S3CheckpointSourceTest {

    private static final String PREFIX = "sac/";
    private static final byte[] SEED0 = Fixtures.bytes("actor_seed0.onnx");
    private static final byte[] SEED1 = Fixtures.bytes("actor_seed1.onnx");
    private static final byte[] SEED2 = Fixtures.bytes("actor_seed2.onnx");

    @TempDir
    Path cache;

    private S3Store store;
    private StoreRelay relay;
    private S3CheckpointSource source;

    @BeforeEach
    void start() {
        store = S3Store.start();
        relay = new StoreRelay(store.port());
    }

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        relay.close();
        store.close();
    }

    private S3SourceSettings settings() {
        return S3SourceSettings.of(S3Location.parse("s3://" + S3Store.BUCKET + "/" + PREFIX), Optional.of(relay.endpoint()), cache)
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    private S3CheckpointSource open() {
        return open(settings());
    }

    private S3CheckpointSource open(S3SourceSettings s) {
        source = S3CheckpointSource.open(s, InstantSource.system());
        return source;
    }

    private static String sha(byte[] b) {
        return Fixtures.sha256(b);
    }

    /** Polls until the source names {@code versionName}; the backoff after a failure may skip some polls. */
    private CheckpointRef pollUntil(String versionName) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            source.poll();
            return source.current().map(CheckpointRef::versionName).filter(versionName::equals).isPresent();
        });
        return source.current().orElseThrow();
    }

    private List<String> cacheFiles() throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void publishedCheckpointIsNamedByThePointerAndStagedVerified() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.put(PREFIX + "model_a.onnx.json", "{\"state_dim\": 17}");
        store.pointTo(PREFIX, "model_a.onnx", Optional.of(sha(SEED0)));
        open();
        assertThat(source.current()).as("nothing before the first poll").isEmpty();

        source.poll();

        CheckpointRef ref = source.current().orElseThrow();
        assertThat(ref.id()).isEqualTo("s3://models/sac/model_a.onnx");
        assertThat(ref.versionName()).isEqualTo("model_a");
        assertThat(ref.size()).isEqualTo(SEED0.length);
        assertThat(ref.sha256()).contains(sha(SEED0));
        StagedCheckpoint staged = source.stage(ref);
        assertThat(staged.file()).hasBinaryContent(SEED0);
        assertThat(staged.file().getParent()).isEqualTo(cache);
        assertThat(staged.verifiedSha256()).contains(sha(SEED0));
        assertThat(staged.jsonSidecar()).hasValueSatisfying(p -> assertThat(p).hasContent("{\"state_dim\": 17}"));
        SourceHealth h = source.health();
        assertThat(h.reachable()).isTrue();
        assertThat(h.lastReached()).isPresent();
        assertThat(h.lastError()).isEmpty();
    }

    @Test
    void pointerFlipIsSeenByTheNextPoll() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.put(PREFIX + "model_b.onnx", SEED1);
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        open();
        source.poll();
        assertThat(source.current().orElseThrow().versionName()).isEqualTo("model_a");

        store.pointTo(PREFIX, "model_b.onnx", Optional.empty());
        source.poll();

        CheckpointRef b = source.current().orElseThrow();
        assertThat(b.versionName()).isEqualTo("model_b");
        assertThat(source.stage(b).file()).hasBinaryContent(SEED1);
    }

    @Test
    void anUnchangedPointerCostsOneConditionalGetAndNothingElse() {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        open();
        source.poll();
        CheckpointRef first = source.current().orElseThrow();
        relay.clearRequests();

        source.poll();
        source.poll();

        assertThat(source.current()).contains(first);
        List<String> seen = relay.requests();
        assertThat(seen).hasSize(2).allSatisfy(r -> {
            assertThat(r).startsWith("GET /models/sac/LATEST");
            assertThat(r.toLowerCase()).contains("if-none-match:");
        });
    }

    @Test
    void pointerToAnOlderKeyRollsBack() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.put(PREFIX + "model_b.onnx", SEED1);
        store.pointTo(PREFIX, "model_b.onnx", Optional.of(sha(SEED1)));
        open();
        source.poll();
        source.stage(source.current().orElseThrow());

        store.pointTo(PREFIX, "model_a.onnx", Optional.of(sha(SEED0)));
        source.poll();

        CheckpointRef back = source.current().orElseThrow();
        assertThat(back.versionName()).isEqualTo("model_a");
        assertThat(source.stage(back).file()).hasBinaryContent(SEED0);
    }

    @Test
    void withoutAPointerTheNewestMatchingKeyServes() {
        // model_z first, then model_a strictly later: the newest by LastModified is model_a,
        // although model_z has the greater name (which only breaks ties).
        Instant z = store.put(PREFIX + "model_z.onnx", SEED0).lastModified();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.put(PREFIX + "model_a.onnx", SEED1).lastModified().isAfter(z));
        store.put(PREFIX + "notes.txt", "not a checkpoint");
        store.put(PREFIX + "model_a.onnx.json", "{}");
        store.put(PREFIX + "older/model_zz.onnx", SEED2); // a sub-folder is not the model's folder
        open();

        source.poll();

        assertThat(source.current().orElseThrow().versionName()).isEqualTo("model_a");
        assertThat(relay.requests()).anySatisfy(r -> assertThat(r).startsWith("GET /models?list-type=2"));
    }

    @Test
    void keysOfTheSameSecondAreOrderedByName() {
        store.put(PREFIX + "model_b.onnx", SEED1);
        store.put(PREFIX + "model_a.onnx", SEED0);
        open();
        // Same second (or b older): either way the newest-then-greatest rule must pick one deterministically.
        source.poll();
        Instant a = store.client().headObject(h -> h.bucket(S3Store.BUCKET).key(PREFIX + "model_a.onnx")).lastModified();
        Instant b = store.client().headObject(h -> h.bucket(S3Store.BUCKET).key(PREFIX + "model_b.onnx")).lastModified();
        String expected = a.isAfter(b) ? "model_a" : "model_b";
        assertThat(source.current().orElseThrow().versionName()).isEqualTo(expected);
    }

    @Test
    void shaMismatchFromThePointerIsRefusedAndNothingIsKept() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.pointTo(PREFIX, "model_a.onnx", Optional.of(sha(SEED1)));
        open();
        source.poll();
        CheckpointRef ref = source.current().orElseThrow();

        assertThatThrownBy(() -> source.stage(ref)).isInstanceOf(SourceException.class).isNotInstanceOf(NotYetCompleteException.class)
                .hasMessageContaining("sha256 mismatch").hasMessageContaining(sha(SEED1)).hasMessageContaining(sha(SEED0))
                .hasMessageContaining("the pointer says so");
        assertThat(cacheFiles()).isEmpty();
    }

    @Test
    void shaMismatchFromTheSidecarIsRefused() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.put(PREFIX + "model_a.onnx.sha256", sha(SEED1) + "  model_a.onnx\n");
        open();
        source.poll();
        CheckpointRef ref = source.current().orElseThrow();

        assertThatThrownBy(() -> source.stage(ref)).isInstanceOf(SourceException.class)
                .hasMessageContaining("sha256 mismatch").hasMessageContaining("its .sha256 object says so");
        assertThat(cacheFiles()).isEmpty();
    }

    @Test
    void aMatchingSidecarIsStagedBesideTheCheckpoint() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.put(PREFIX + "model_a.onnx.sha256", sha(SEED0) + "  model_a.onnx\n");
        open();
        source.poll();

        StagedCheckpoint staged = source.stage(source.current().orElseThrow());

        assertThat(staged.verifiedSha256()).contains(sha(SEED0));
        assertThat(staged.sha256Sidecar()).hasValueSatisfying(p -> assertThat(p).hasContent(sha(SEED0) + "  model_a.onnx"));
    }

    @Test
    void pointerToAMissingKeyIsARecordedFailureAndTheLastGoodStays() {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        open();
        source.poll();
        CheckpointRef good = source.current().orElseThrow();

        store.pointTo(PREFIX, "model_missing.onnx", Optional.empty());
        source.poll();

        assertThat(source.current()).contains(good);
        SourceHealth h = source.health();
        assertThat(h.lastError()).hasValueSatisfying(e -> assertThat(e)
                .contains("s3://models/sac/model_missing.onnx").contains("does not exist"));
        assertThat(h.consecutiveFailures()).isEqualTo(1);
        assertThat(h.reachable()).as("the store answered").isTrue();

        // Uploading the key afterwards (a publisher that flipped first) heals it at a later poll.
        store.put(PREFIX + "model_missing.onnx", SEED1);
        pollUntil("model_missing");
        assertThat(source.health().lastError()).isEmpty();
    }

    @Test
    void garbagePointerIsARecordedFailureAndTheLastGoodStays() {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        open();
        source.poll();
        CheckpointRef good = source.current().orElseThrow();

        store.put(PREFIX + "LATEST", "{\"key\": 42}");
        source.poll();

        assertThat(source.current()).contains(good);
        assertThat(source.health().lastError()).hasValueSatisfying(e -> assertThat(e)
                .contains("s3://models/sac/LATEST").contains("needs a string field \"key\""));
    }

    @Test
    void wrongCredentialsAreARecordedFailure() {
        store.put(PREFIX + "model_a.onnx", SEED0);
        open(settings().withCredentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("hotserve-test", "wrong-secret"))));

        source.poll();

        assertThat(source.current()).isEmpty();
        SourceHealth h = source.health();
        assertThat(h.reachable()).isFalse();
        assertThat(h.lastReached()).isEmpty();
        assertThat(h.lastError()).hasValueSatisfying(e -> assertThat(e).contains("access denied").contains("credentials"));
    }

    @Test
    void storeStoppedWhileFollowingKeepsTheLastGoodAndBacksOff() {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        open(settings().withBackoff(Duration.ofMinutes(1), Duration.ofMinutes(5)));
        source.poll();
        CheckpointRef good = source.current().orElseThrow();
        Instant reached = source.health().lastReached().orElseThrow();

        store.stopServer();
        relay.cutAll();
        source.poll();

        assertThat(source.current()).contains(good);
        SourceHealth down = source.health();
        assertThat(down.reachable()).isFalse();
        assertThat(down.lastReached()).contains(reached);
        assertThat(down.lastError()).hasValueSatisfying(e -> assertThat(e).contains("cannot reach the store"));
        assertThat(down.consecutiveFailures()).isEqualTo(1);

        // Backing off: the next polls inside the (here one-minute) backoff do not try at all.
        relay.clearRequests();
        source.poll();
        source.poll();
        assertThat(source.health().consecutiveFailures()).isEqualTo(1);
        assertThat(relay.requests()).isEmpty();
    }

    @Test
    void storeBackAfterAnOutageIsFollowedAgain() {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.put(PREFIX + "model_b.onnx", SEED1);
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        open();
        source.poll();
        store.stopServer();
        relay.cutAll();
        source.poll();
        assertThat(source.health().reachable()).isFalse();

        store.startServer();
        store.pointTo(PREFIX, "model_b.onnx", Optional.empty());

        pollUntil("model_b");
        SourceHealth h = source.health();
        assertThat(h.reachable()).isTrue();
        assertThat(h.consecutiveFailures()).isZero();
        assertThat(h.lastError()).isEmpty();
    }

    @Test
    void storeAbsentAtStartIsFollowedOnceItComes() {
        S3Store later = S3Store.notStarted();
        try {
            source = S3CheckpointSource.open(S3SourceSettings.of(S3Location.parse("s3://models/sac/"), Optional.of(later.endpoint()), cache)
                    .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200)), InstantSource.system());
            source.poll();
            assertThat(source.current()).isEmpty();
            assertThat(source.health().reachable()).isFalse();
            assertThat(source.health().lastError()).hasValueSatisfying(e -> assertThat(e).contains("cannot reach the store"));

            later.startServer();
            later.createBucket();
            later.put(PREFIX + "model_a.onnx", SEED0);
            later.pointTo(PREFIX, "model_a.onnx", Optional.empty());

            pollUntil("model_a");
            assertThat(source.health().reachable()).isTrue();
        } finally {
            later.close();
        }
    }

    @Test
    void downloadCutOffHalfWayIsNeverHandedOut() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        open();
        source.poll();
        CheckpointRef ref = source.current().orElseThrow();

        relay.holdAfter(SEED0.length / 2);
        CompletableFuture<StagedCheckpoint> staging = CompletableFuture.supplyAsync(() -> {
            try {
                return source.stage(ref);
            } catch (SourceException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(relay::holding);
        store.stopServer();
        relay.cutAll();

        // Not the checkpoint's fault: the core is to try it again (not remember it as bad), and the health says why.
        assertThatThrownBy(staging::join).hasCauseInstanceOf(StoreUnavailableException.class)
                .cause().hasMessageMatching("(?s).*(cut off after|ended after) \\d+ of " + SEED0.length + " bytes.*");
        assertThat(cacheFiles()).as("no partial file is left, under any name").isEmpty();
        assertThat(source.health().reachable()).isFalse();
        assertThat(source.health().lastError()).hasValueSatisfying(e -> assertThat(e).contains(ref.id()));

        // When the store is back, the same checkpoint stages whole (once the backoff allows a try).
        relay.release();
        store.startServer();
        await().atMost(Duration.ofSeconds(30)).ignoreException(StoreUnavailableException.class)
                .untilAsserted(() -> assertThat(source.stage(ref).file()).hasBinaryContent(SEED0));
        assertThat(source.health().reachable()).isTrue();
    }

    @Test
    void cacheKeepsTheLastThreeStagedAndDeletesTheRest() throws Exception {
        byte[][] versions = {SEED0, SEED1, SEED2, SEED0, SEED1};
        open(settings().withKeepStaged(3));
        for (int i = 0; i < versions.length; i++) {
            store.put(PREFIX + "model_" + i + ".onnx", versions[i]);
            store.put(PREFIX + "model_" + i + ".onnx.json", "{}");
            store.pointTo(PREFIX, "model_" + i + ".onnx", Optional.empty());
            source.stage(pollUntil("model_" + i));
        }

        // Staged under a hash of the key, never the remote name (SECURITY.md).
        assertThat(cacheFiles()).containsExactlyInAnyOrder(staged(2), staged(2) + ".json", staged(2) + ".staged",
                staged(3), staged(3) + ".json", staged(3) + ".staged", staged(4), staged(4) + ".json", staged(4) + ".staged");
        assertThat(staged(3)).matches("ckpt-[0-9a-f]{24}\\.onnx");

        // Rolling back to a kept one downloads nothing but its sidecars, and makes it the most recent.
        store.pointTo(PREFIX, "model_2.onnx", Optional.empty());
        CheckpointRef back = pollUntil("model_2");
        relay.clearRequests();
        assertThat(source.stage(back).file()).hasBinaryContent(SEED2);
        assertThat(relay.requests()).noneSatisfy(r -> assertThat(r).startsWith("GET /models/sac/model_2.onnx "));
        store.put(PREFIX + "model_5.onnx", SEED2);
        store.pointTo(PREFIX, "model_5.onnx", Optional.empty());
        source.stage(pollUntil("model_5"));
        Set<String> checkpoints = cacheFiles().stream().filter(f -> f.endsWith(".onnx")).collect(Collectors.toSet());
        assertThat(checkpoints).containsExactlyInAnyOrder(staged(2), staged(4), staged(5));
    }

    private static String staged(int i) {
        return StagingCache.stagedName(PREFIX + "model_" + i + ".onnx");
    }

    @Test
    void fullDiskIsAFailureWithTheReasonAndLeavesNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/full")), "needs Linux's /dev/full");
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        open();
        source.poll();
        CheckpointRef ref = source.current().orElseThrow();
        // The download's temporary name is a link to /dev/full: every write fails with ENOSPC, as on a full disk.
        Files.createSymbolicLink(cache.resolve("." + StagingCache.stagedName(PREFIX + "model_a.onnx") + ".part"), Path.of("/dev/full"));

        assertThatThrownBy(() -> source.stage(ref)).isInstanceOf(SourceException.class).isNotInstanceOf(NotYetCompleteException.class)
                .hasMessageContaining("No space left on device").hasMessageContaining("nothing was loaded");
        assertThat(cacheFiles()).isEmpty();
    }

    @Test
    void objectRewrittenInPlaceAfterThePollIsNotTakenForThePolledVersion() throws Exception {
        store.put(PREFIX + "model_a.onnx", SEED0);
        store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
        open();
        source.poll();
        CheckpointRef polled = source.current().orElseThrow();

        store.put(PREFIX + "model_a.onnx", SEED1);

        assertThatThrownBy(() -> source.stage(polled)).isInstanceOf(NotYetCompleteException.class).hasMessageContaining("changed after it was polled");
        source.poll();
        CheckpointRef now = source.current().orElseThrow();
        assertThat(now.changeToken()).isNotEqualTo(polled.changeToken());
        assertThat(source.stage(now).file()).hasBinaryContent(SEED1);
    }
}
