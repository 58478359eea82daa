package dev.hotserve.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.source.s3.S3Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real server process at random moments while the S3 pointer it follows
 * moves (to new keys, and back to earlier ones), with downloads slowed so that kills land
 * mid-download and mid-staging. Each restart, on the same cache folder, serves exactly the
 * pointer's checkpoint from its first answer; nothing unfinished is left in the cache or vouched
 * for by a record; no answer of any run names bytes that were not a published object.
 */
class KillNineS3Test {

    private static final int ROUNDS = 8;
    private static final String PREFIX = "sac/";
    private static final byte[][] BYTES = {Trainer.fixture("actor_seed0.onnx"), Trainer.fixture("actor_seed1.onnx"),
            Trainer.fixture("actor_seed2.onnx")};

    @TempDir
    Path work;

    private record Target(String key, byte[] bytes) {
        String pair() {
            return Load.pair(key.substring(0, key.lastIndexOf('.')), Trainer.sha256(bytes));
        }
    }

    @Test
    void killedAtRandomMomentsWhileThePointerMovesEachRestartServesThePointersCheckpoint() throws Exception {
        long seed = Long.getLong("hotserve.faults.seed", System.nanoTime());
        System.out.println("KillNineS3Test: seed " + seed + " (replay with -Dhotserve.faults.seed=" + seed + ")");
        Random random = new Random(seed);
        Path cacheRoot = work.resolve("cache");
        Path log = work.resolve("server.log");
        try (S3Store store = S3Store.start(); FaultProxy proxy = new FaultProxy(store.port())) {
            // About 1.5 s per 290 KB download: a random kill often lands inside one.
            proxy.slowPause(20);
            proxy.inject(FaultProxy.Fault.SLOW, line -> line.contains(".onnx"));
            Map<String, String> env = Map.of("HOTSERVE_SOURCE", "s3://" + S3Store.BUCKET + "/" + PREFIX,
                    "HOTSERVE_S3_ENDPOINT", proxy.endpoint().toString(), "HOTSERVE_CACHE_DIR", cacheRoot.toString(),
                    "HOTSERVE_STATE_DIR", work.resolve("state").toString(), "HOTSERVE_POLL_INTERVAL", "100ms");
            List<Target> published = new ArrayList<>();
            Set<String> whole = new HashSet<>();
            Target current = publish(store, published, whole, new Target("model_00.onnx", BYTES[0]));

            ServerProcess server = ServerProcess.start(env, log);
            try (Load load = new Load(server, "sac", 2)) {
                for (int round = 1; round <= ROUNDS; round++) {
                    Target next = published.size() > 2 && random.nextInt(4) == 0 ? published.get(random.nextInt(published.size() - 1))
                            : publish(store, published, whole, new Target(String.format("model_%02d.onnx", round), BYTES[round % BYTES.length]));
                    long killAfterMs = random.nextInt(2000);
                    System.out.printf("round %d: pointer to %s, kill -9 after %d ms%n", round, next.key(), killAfterMs);
                    store.pointTo(PREFIX, next.key(), Optional.of(Trainer.sha256(next.bytes())));
                    Thread.sleep(killAfterMs); // the fault's random moment, not a wait for anything
                    load.serverGoingDown();
                    server.kill9();
                    current = next;

                    server = ServerProcess.start(env, log);
                    JsonNode first = server.info("sac");
                    assertThat(Load.pair(first.path("version").asText(), first.path("sha256").asText()))
                            .as("round %d (seed %d): the restart's first answer is the pointer's checkpoint; log:%n%s", round, seed, server.logText())
                            .isEqualTo(current.pair());
                    assertCacheHoldsOnlyWholeCheckpoints(cacheRoot.resolve("sac"));
                    load.serverUp(server);
                    long before = load.answered();
                    await().atMost(Duration.ofMinutes(1)).until(() -> load.answered() > before);
                }
                System.out.printf("answered %d predictions; served %s; %s%n", load.answered(), load.served(), proxy);
                assertThat(load.failures()).as("seed %d", seed).isEmpty();
                assertThat(whole).as("seed %d: every version loaded was a whole published object", seed).containsAll(load.served());
                assertThat(proxy.faulted()).as("downloads went through the slow path").isGreaterThan(0);
            } finally {
                server.close();
            }
        }
    }

    private static Target publish(S3Store store, List<Target> published, Set<String> whole, Target t) {
        store.put(PREFIX + t.key(), t.bytes());
        published.add(t);
        whole.add(t.pair());
        return t;
    }

    /**
     * No unfinished download left behind once a restart has staged, and every record's file
     * hashes to the sha256 the record vouches for.
     */
    private static void assertCacheHoldsOnlyWholeCheckpoints(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                assertThat(name).as("left in the cache after a restart staged").doesNotEndWith(".part");
                if (name.endsWith(".staged") && !name.startsWith(".")) {
                    JsonNode record = ServerProcess.JSON.readTree(p.toFile());
                    Path file = folder.resolve(name.substring(0, name.length() - ".staged".length()));
                    assertThat(Trainer.sha256(file)).as("%s vouches for %s", name, file.getFileName()).isEqualTo(record.path("sha256").asText());
                }
            }
        }
    }
}
