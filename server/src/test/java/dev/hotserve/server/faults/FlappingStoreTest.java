package dev.hotserve.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.source.s3.S3Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that misbehaves, through {@link FaultProxy} between a real server process and S3Proxy:
 * for each fault in turn a new checkpoint is published and the pointer moved to it while the
 * fault lasts. Unless the fault only slows the store, the old version keeps serving while the
 * server is hurt again and again; once the fault ends, the new version loads and the source is
 * healthy again. Four clients send predictions throughout: not one fails, and every version the
 * process loaded is a whole published checkpoint.
 */
class FlappingStoreTest {

    private static final String PREFIX = "sac/";
    private static final byte[][] BYTES = {Trainer.fixture("actor_seed0.onnx"), Trainer.fixture("actor_seed1.onnx"),
            Trainer.fixture("actor_seed2.onnx")};
    /** The checkpoint objects themselves (not the pointer, not the sidecars). */
    private static final Predicate<String> CHECKPOINT = line -> line.matches("(GET|HEAD) /[^ ]*\\.onnx([ ?].*)?");
    private static final Predicate<String> CHECKPOINT_GET = line -> line.startsWith("GET ") && CHECKPOINT.test(line);
    private static final Predicate<String> EVERYTHING = line -> true;

    @TempDir
    Path work;

    private record Phase(FaultProxy.Fault fault, Predicate<String> filter) {}

    @Test
    void everyFaultOfTheStoreLeavesTheOldVersionServingAndTheNewOneLoadsOnceItEnds() throws Exception {
        List<Phase> phases = List.of(
                new Phase(FaultProxy.Fault.UNREACHABLE, EVERYTHING),
                new Phase(FaultProxy.Fault.RESET, EVERYTHING),
                new Phase(FaultProxy.Fault.HTTP_500, EVERYTHING),
                new Phase(FaultProxy.Fault.HTTP_503, EVERYTHING),
                new Phase(FaultProxy.Fault.SLOW, CHECKPOINT_GET),
                new Phase(FaultProxy.Fault.TRUNCATED, CHECKPOINT_GET),
                new Phase(FaultProxy.Fault.SHORT_BODY, CHECKPOINT_GET),
                new Phase(FaultProxy.Fault.WRONG_ETAG, CHECKPOINT));
        try (S3Store store = S3Store.start(); FaultProxy proxy = new FaultProxy(store.port())) {
            Set<String> whole = new HashSet<>();
            String current = publish(store, whole, 0);
            Map<String, String> env = Map.of("HOTSERVE_SOURCE", "s3://" + S3Store.BUCKET + "/" + PREFIX,
                    "HOTSERVE_S3_ENDPOINT", proxy.endpoint().toString(), "HOTSERVE_CACHE_DIR", work.resolve("cache").toString(),
                    "HOTSERVE_STATE_DIR", work.resolve("state").toString(), "HOTSERVE_POLL_INTERVAL", "100ms");
            try (ServerProcess server = ServerProcess.start(env, work.resolve("server.log")); Load load = new Load(server, "sac", 4)) {
                assertThat(served(server)).isEqualTo(current);
                int n = 0;
                for (Phase phase : phases) {
                    n++;
                    System.out.println("FlappingStoreTest: " + phase.fault());
                    long faultedBefore = proxy.faulted();
                    proxy.inject(phase.fault(), phase.filter());
                    String next = publish(store, whole, n);

                    if (phase.fault() == FaultProxy.Fault.SLOW) {
                        // Slow is not broken: the new version loads while the store is still slow.
                        await().atMost(Duration.ofMinutes(2)).until(() -> served(server).equals(next));
                        assertThat(proxy.faulted()).isGreaterThan(faultedBefore);
                    } else {
                        awaitHurt(server, proxy, phase.fault(), faultedBefore);
                        assertThat(served(server)).as("%s: the old version serves while the store misbehaves; %s", phase.fault(), proxy)
                                .isEqualTo(current);
                    }
                    proxy.heal();
                    await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
                        JsonNode info = server.info("sac");
                        assertThat(pair(info)).isEqualTo(next);
                        assertThat(info.path("source_health").path("consecutive_failures").asInt()).isZero();
                        assertThat(info.path("source_health").path("reachable").asBoolean()).isTrue();
                    });
                    current = next;
                }
                System.out.printf("answered %d predictions; served %s; %s%n", load.answered(), load.served(), proxy);
                assertThat(load.failures()).as("failed predictions; log:%n%s", server.logText()).isEmpty();
                assertThat(whole).as("every version loaded was a whole published object").containsAll(load.served());
                assertThat(load.served()).as("each phase's version was served").hasSize(phases.size() + 1);
            }
        }
    }

    /**
     * Waits until the fault has hit the server several times: failed polls or stages counted in
     * the source's health, and (where requests arrive at all) the proxy's own count. A wrong ETag
     * is not a failure of the store (the download's {@code If-Match} refuses it and the next poll
     * looks again), so there only the proxy's count tells.
     */
    private static void awaitHurt(ServerProcess server, FaultProxy proxy, FaultProxy.Fault fault, long faultedBefore) {
        await().atMost(Duration.ofMinutes(2)).until(() -> {
            boolean seenByProxy = fault == FaultProxy.Fault.UNREACHABLE || proxy.faulted() >= faultedBefore + 3;
            boolean counted = fault == FaultProxy.Fault.WRONG_ETAG
                    || server.info("sac").path("source_health").path("consecutive_failures").asInt() >= 2;
            return seenByProxy && counted;
        });
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

    private static String served(ServerProcess server) {
        return pair(server.info("sac"));
    }

    private static String pair(JsonNode info) {
        return Load.pair(info.path("version").asText(), info.path("sha256").asText());
    }
}
