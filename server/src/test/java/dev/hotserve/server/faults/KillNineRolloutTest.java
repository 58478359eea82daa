package dev.hotserve.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * {@code kill -9} of a real server in a shadow rollout at random moments: while candidates load,
 * are shadowed, are promoted and the stable version is written down. After every kill the state
 * file is whole (the old record or the new one, never a torn write), and names a published
 * checkpoint with its bytes' sha256; the restart, on the same state directory, serves exactly
 * that stable version from its first answer, and goes on to promote the newest.
 */
class KillNineRolloutTest {

    private static final int ROUNDS = 8;
    private static final byte[][] BYTES = {Trainer.fixture("actor_seed0.onnx"), Trainer.fixture("actor_seed1.onnx"),
            Trainer.fixture("actor_seed2.onnx")};

    @TempDir
    Path work;

    @Test
    void killedAtRandomMomentsOfAShadowRolloutEachRestartServesTheStableVersionWrittenDown() throws Exception {
        long seed = Long.getLong("hotserve.faults.seed", System.nanoTime());
        System.out.println("KillNineRolloutTest: seed " + seed + " (replay with -Dhotserve.faults.seed=" + seed + ")");
        Random random = new Random(seed);
        Path dir = Files.createDirectories(work.resolve("models"));
        Path state = work.resolve("state");
        Path log = work.resolve("server.log");
        // Every candidate passes (seeds differ, so drift is large): what is tested is the write, not the verdict.
        Map<String, String> env = Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_STATE_DIR", state.toString(),
                "HOTSERVE_POLL_INTERVAL", "100ms", "HOTSERVE_ROLLOUT", "shadow", "HOTSERVE_SHADOW_SAMPLES", "20",
                "HOTSERVE_MAX_DRIFT", "1000000", "HOTSERVE_GUARD_DURATION", "0");
        Set<String> whole = new HashSet<>();
        Trainer.publish(dir, "model_00.onnx", BYTES[0], 0, Trainer.Write.RENAME);
        whole.add(Load.pair("model_00", Trainer.sha256(BYTES[0])));

        ServerProcess server = ServerProcess.start(env, log);
        try (Load load = new Load(server, "sac", 2)) {
            for (int round = 1; round <= ROUNDS; round++) {
                String version = String.format("model_%02d", round);
                byte[] bytes = BYTES[round % BYTES.length];
                long killAfterMs = random.nextInt(1500);
                System.out.printf("round %d: %s, kill -9 after %d ms%n", round, version, killAfterMs);
                Trainer.publish(dir, version + ".onnx", bytes, round, Trainer.Write.RENAME);
                whole.add(Load.pair(version, Trainer.sha256(bytes)));
                Thread.sleep(killAfterMs); // the fault's random moment, not a wait for anything
                load.serverGoingDown();
                server.kill9();

                Optional<JsonNode> record = stateRecord(state);
                assertThat(record).as("round %d (seed %d): the first start wrote the stable version down", round, seed).isPresent();
                String recorded = Load.pair(record.get().path("version").asText(), record.get().path("sha256").asText());
                assertThat(whole).as("round %d (seed %d): the record names a published checkpoint", round, seed).contains(recorded);
                Path recordedFile = Path.of(record.get().path("path").asText());
                assertThat(Trainer.sha256(recordedFile)).isEqualTo(record.get().path("sha256").asText());

                server = ServerProcess.start(env, log);
                JsonNode first = server.info("sac");
                assertThat(Load.pair(first.path("version").asText(), first.path("sha256").asText()))
                        .as("round %d (seed %d): the restart serves the stable version written down; log:%n%s", round, seed, server.logText())
                        .isEqualTo(recorded);
                load.serverUp(server);
                ServerProcess s = server;
                String expected = Load.pair(version, Trainer.sha256(bytes));
                await().atMost(Duration.ofMinutes(2)).until(() -> {
                    JsonNode info = s.info("sac");
                    return Load.pair(info.path("version").asText(), info.path("sha256").asText()).equals(expected);
                });
                await().atMost(Duration.ofMinutes(1)).until(() -> stateRecord(state).map(r -> r.path("version").asText()).orElse(""),
                        version::equals);
            }
            System.out.printf("answered %d predictions; served %s%n", load.answered(), load.served());
            assertThat(load.failures()).as("seed %d", seed).isEmpty();
            assertThat(whole).as("seed %d: every version loaded was a whole published file", seed).containsAll(load.served());
        } finally {
            server.close();
        }
    }

    /** The one state file of the directory, parsed: a torn write would not parse. */
    private static Optional<JsonNode> stateRecord(Path state) throws IOException {
        if (!Files.isDirectory(state)) {
            return Optional.empty();
        }
        List<Path> records;
        try (Stream<Path> files = Files.list(state)) {
            records = files.filter(p -> p.getFileName().toString().endsWith(".stable.json") && !p.getFileName().toString().startsWith("."))
                    .toList();
        }
        assertThat(records).as("state files").hasSizeLessThanOrEqualTo(1);
        return records.isEmpty() ? Optional.empty() : Optional.of(ServerProcess.JSON.readTree(records.get(0).toFile()));
    }
}
