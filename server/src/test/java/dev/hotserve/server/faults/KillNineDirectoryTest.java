package dev.hotserve.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real server process at random moments while a trainer publishes into its
 * directory, by rename and in place (new files, and the newest file rewritten in place). Each
 * restart, on the same directories, must serve exactly the newest whole file from its first
 * answer; no answer of any run names bytes that were not a whole published checkpoint; no request
 * to a live server fails. The moments come from a seeded {@link Random}; the seed is printed, and
 * {@code -Dhotserve.faults.seed=<seed>} replays a run.
 */
class KillNineDirectoryTest {

    private static final int ROUNDS = 8;
    private static final byte[][] BYTES = {Trainer.fixture("actor_seed0.onnx"), Trainer.fixture("actor_seed1.onnx"),
            Trainer.fixture("actor_seed2.onnx")};

    @TempDir
    Path work;

    @Test
    void killedAtRandomMomentsWhileCheckpointsArriveEachRestartServesTheNewestWholeFile() throws Exception {
        long seed = Long.getLong("hotserve.faults.seed", System.nanoTime());
        System.out.println("KillNineDirectoryTest: seed " + seed + " (replay with -Dhotserve.faults.seed=" + seed + ")");
        Random random = new Random(seed);
        Path dir = Files.createDirectories(work.resolve("models"));
        Path log = work.resolve("server.log");
        Map<String, String> env = Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_STATE_DIR", work.resolve("state").toString(),
                "HOTSERVE_POLL_INTERVAL", "100ms");
        Set<String> whole = new HashSet<>();
        Trainer.publish(dir, "model_00.onnx", BYTES[0], 0, Trainer.Write.RENAME);
        whole.add(Load.pair("model_00", Trainer.sha256(BYTES[0])));
        String newest = "model_00.onnx";

        ServerProcess server = ServerProcess.start(env, log);
        try (Load load = new Load(server, "sac", 2)) {
            for (int round = 1; round <= ROUNDS; round++) {
                int version = round;
                byte[] bytes = BYTES[(round + random.nextInt(2)) % BYTES.length];
                int kind = random.nextInt(3);
                Trainer.Write how = kind == 0 ? Trainer.Write.RENAME : Trainer.Write.IN_PLACE;
                // kind 2 rewrites the newest file in place: same name, new bytes, later mtime.
                String target = kind == 2 ? newest : String.format("model_%02d.onnx", version);
                long killAfterMs = random.nextInt(500);
                System.out.printf("round %d: %s %s, kill -9 after %d ms%n", round, how, target, killAfterMs);

                Thread writer = Thread.ofPlatform().name("trainer").start(() -> Trainer.publish(dir, target, bytes, version, how));
                Thread.sleep(killAfterMs); // the fault's random moment, not a wait for anything
                load.serverGoingDown();
                server.kill9();
                writer.join();
                newest = target;
                String expected = Load.pair(target.substring(0, target.lastIndexOf('.')), Trainer.sha256(bytes));
                whole.add(expected);

                server = ServerProcess.start(env, log);
                JsonNode first = server.info("sac");
                assertThat(Load.pair(first.path("version").asText(), first.path("sha256").asText()))
                        .as("round %d (seed %d): the restart's first answer is the newest whole file; log:%n%s", round, seed, server.logText())
                        .isEqualTo(expected);
                load.serverUp(server);
                long before = load.answered();
                await().atMost(Duration.ofMinutes(1)).until(() -> load.answered() > before);
            }
            System.out.printf("answered %d predictions; served %s%n", load.answered(), load.served());
            assertThat(load.failures()).as("seed %d", seed).isEmpty();
            assertThat(whole).as("seed %d: every version loaded was a whole published file", seed)
                    .containsAll(load.served());
        } finally {
            server.close();
        }
    }
}
