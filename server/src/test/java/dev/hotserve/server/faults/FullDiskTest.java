package dev.hotserve.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.source.s3.S3Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under a real server process: a 1 MiB {@code tmpfs} mounted under the staging cache
 * of an S3 model, and under the state directory of a model in a shadow rollout, filled by the test
 * so that the next write cannot complete. Four clients send predictions throughout.
 */
class FullDiskTest {

    private static final String PREFIX = "sac/";
    private static final byte[][] BYTES = {Trainer.fixture("actor_seed0.onnx"), Trainer.fixture("actor_seed1.onnx"),
            Trainer.fixture("actor_seed2.onnx")};

    @TempDir
    Path work;

    /**
     * The cache cannot take the next checkpoint: a recorded failure naming the full disk, the old
     * version keeps serving, nothing half-downloaded stays; space freed, the next checkpoint loads.
     */
    @Test
    void aFullStagingCacheIsARecordedFailureTheOldVersionServesAndTheNextCheckpointLoadsOnceSpaceIsFreed() throws Exception {
        try (Tmpfs disk = Tmpfs.mount(work.resolve("cache"), "1m"); S3Store store = S3Store.start()) {
            Set<String> whole = new HashSet<>();
            String first = publish(store, whole, 0);
            Map<String, String> env = Map.of("HOTSERVE_SOURCE", "s3://" + S3Store.BUCKET + "/" + PREFIX,
                    "HOTSERVE_S3_ENDPOINT", store.endpoint().toString(), "HOTSERVE_CACHE_DIR", disk.dir().toString(),
                    "HOTSERVE_STATE_DIR", work.resolve("state").toString(), "HOTSERVE_POLL_INTERVAL", "100ms");
            try (ServerProcess server = ServerProcess.start(env, work.resolve("server.log")); Load load = new Load(server, "sac", 4)) {
                assertThat(pair(server.info("sac"))).isEqualTo(first);
                // Less room than one checkpoint: the download of the next one runs into ENOSPC.
                Path filler = disk.fill("filler", BYTES[1].length / 2);
                assertThat(disk.usable()).isLessThan(BYTES[1].length);

                publish(store, whole, 1);
                await().atMost(Duration.ofMinutes(1)).until(() -> server.info("sac").path("last_error").path("reason").asText()
                        .contains("No space left on device"));
                JsonNode info = server.info("sac");
                assertThat(pair(info)).as("the old version keeps serving").isEqualTo(first);
                assertThat(ServerProcess.json(server.get("/sac/model/events")).findValuesAsText("kind")).contains("failed");
                try (Stream<Path> left = Files.list(disk.dir().resolve("sac"))) {
                    assertThat(left.map(p -> p.getFileName().toString())).as("no unfinished download is left").noneMatch(n -> n.endsWith(".part"));
                }

                Files.delete(filler);
                String third = publish(store, whole, 2);
                await().atMost(Duration.ofMinutes(1)).until(() -> pair(server.info("sac")).equals(third));

                assertThat(load.failures()).as("failed predictions; log:%n%s", server.logText()).isEmpty();
                assertThat(whole).containsAll(load.served());
            }
        }
    }

    /**
     * The state directory cannot take the rollout's record: requests go on, the state file is
     * never left torn, and once space is freed the next promotion writes the new stable version
     * down (a restart then serves it).
     */
    @Test
    void aFullStateDirectoryNeverTearsTheStateFileAndTheNextPromotionIsWrittenOnceSpaceIsFreed() throws Exception {
        try (Tmpfs disk = Tmpfs.mount(work.resolve("state"), "1m")) {
            Path dir = Files.createDirectories(work.resolve("models"));
            Map<String, String> env = rolloutEnv(dir, disk.dir());
            Trainer.publish(dir, "model_00.onnx", BYTES[0], 0, Trainer.Write.RENAME);
            Set<String> whole = new HashSet<>(Set.of(Load.pair("model_00", Trainer.sha256(BYTES[0]))));
            try (ServerProcess server = ServerProcess.start(env, work.resolve("server.log")); Load load = new Load(server, "sac", 4)) {
                assertThat(stateRecord(disk.dir()).path("version").asText()).isEqualTo("model_00");
                Path filler = disk.fill("filler", 0);

                Trainer.publish(dir, "model_01.onnx", BYTES[1], 1, Trainer.Write.RENAME);
                whole.add(Load.pair("model_01", Trainer.sha256(BYTES[1])));
                // Its record cannot be written, so it is not promoted: refused, and the old version serves on.
                await().atMost(Duration.ofMinutes(1)).until(() -> ServerProcess.json(server.get("/sac/model/events")).toString()
                        .contains("No space left on device"));
                assertThat(server.info("sac").path("version").asText()).isEqualTo("model_00");
                assertThat(stateRecord(disk.dir()).path("version").asText()).as("the old record, whole").isEqualTo("model_00");

                Files.delete(filler);
                Trainer.publish(dir, "model_02.onnx", BYTES[2], 2, Trainer.Write.RENAME);
                whole.add(Load.pair("model_02", Trainer.sha256(BYTES[2])));
                await().atMost(Duration.ofMinutes(1)).until(() -> stateRecord(disk.dir()).path("version").asText().equals("model_02"));

                assertThat(load.failures()).as("failed predictions; log:%n%s", server.logText()).isEmpty();
                assertThat(whole).containsAll(load.served());
                server.kill9();
            }
            try (ServerProcess again = ServerProcess.start(env, work.resolve("server.log"))) {
                assertThat(again.info("sac").path("version").asText()).isEqualTo("model_02");
            }
        }
    }

    /**
     * What a state write on a full disk must be: a recorded failure (an event and the info route's
     * last error name it), and the old version keeps serving (the promotion is refused, since a
     * restart would undo a promotion the state file does not know of).
     */
    @Test
    void aFullStateDirectoryIsARecordedFailureAndTheOldVersionKeepsServing() throws Exception {
        try (Tmpfs disk = Tmpfs.mount(work.resolve("state"), "1m")) {
            Path dir = Files.createDirectories(work.resolve("models"));
            Trainer.publish(dir, "model_00.onnx", BYTES[0], 0, Trainer.Write.RENAME);
            try (ServerProcess server = ServerProcess.start(rolloutEnv(dir, disk.dir()), work.resolve("server.log"));
                    Load load = new Load(server, "sac", 4)) {
                disk.fill("filler", 0);
                Trainer.publish(dir, "model_01.onnx", BYTES[1], 1, Trainer.Write.RENAME);
                await().atMost(Duration.ofMinutes(1)).until(() -> ServerProcess.json(server.get("/sac/model/events")).toString()
                        .contains("No space left on device"));
                JsonNode info = server.info("sac");
                assertThat(info.path("version").asText()).as("the old version keeps serving").isEqualTo("model_00");
                assertThat(info.path("last_error").path("reason").asText()).contains("No space left on device");
                assertThat(load.failures()).isEmpty();
            }
        }
    }

    private Map<String, String> rolloutEnv(Path dir, Path state) {
        return Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_STATE_DIR", state.toString(), "HOTSERVE_POLL_INTERVAL", "100ms",
                "HOTSERVE_ROLLOUT", "shadow", "HOTSERVE_SHADOW_SAMPLES", "20", "HOTSERVE_MAX_DRIFT", "1000000",
                "HOTSERVE_GUARD_DURATION", "0");
    }

    private static JsonNode stateRecord(Path state) throws Exception {
        try (Stream<Path> files = Files.list(state)) {
            Path record = files.filter(p -> p.getFileName().toString().endsWith(".stable.json") && !p.getFileName().toString().startsWith("."))
                    .findFirst().orElseThrow(() -> new AssertionError("no state file in " + state));
            return ServerProcess.JSON.readTree(record.toFile());
        }
    }

    private static String publish(S3Store store, Set<String> whole, int n) {
        String key = String.format("model_%02d.onnx", n);
        byte[] bytes = BYTES[n % BYTES.length];
        store.put(PREFIX + key, bytes);
        store.pointTo(PREFIX, key, Optional.of(Trainer.sha256(bytes)));
        String pair = Load.pair(key.substring(0, key.lastIndexOf('.')), Trainer.sha256(bytes));
        whole.add(pair);
        return pair;
    }

    private static String pair(JsonNode info) {
        return Load.pair(info.path("version").asText(), info.path("sha256").asText());
    }
}
