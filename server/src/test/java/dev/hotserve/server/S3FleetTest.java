package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.source.s3.Fixtures;
import dev.hotserve.source.s3.S3Store;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Run a fleet", a fleet: three servers in this JVM, each with its own cache, follow one pointer on one
 * S3Proxy. The pointer is flipped 20 times, twice back to an older key (a rollback) and a few
 * times twice in a row without waiting (a replica may skip a version, never reorder them), while
 * a client per replica sends predictions without pause. Then: no request failed, every replica
 * serves the same version name and sha256, and each replica's generations, read in order, name
 * versions in the order the pointer named them.
 */
class S3FleetTest {

    private static final int REPLICAS = 3;
    private static final int FLIPS = 20;
    private static final String PREFIX = "sac/";
    private static final byte[][] BYTES = {Fixtures.bytes("actor_seed0.onnx"), Fixtures.bytes("actor_seed1.onnx"), Fixtures.bytes("actor_seed2.onnx")};

    @TempDir
    Path work;

    /** What the pointer names at each step: a key, and its bytes. */
    private record Target(String key, byte[] bytes) {
        String version() {
            return key.substring(0, key.lastIndexOf('.'));
        }
    }

    /** The pointer's 1 + 20 targets: new keys, except two steps back to a key published earlier. */
    private static List<Target> plan() {
        List<Target> t = new ArrayList<>();
        for (int i = 0; i <= FLIPS; i++) {
            if (i == 7) {
                t.add(t.get(3)); // rollback
            } else if (i == 15) {
                t.add(t.get(12)); // rollback
            } else {
                t.add(new Target(String.format("model_%02d.onnx", i), BYTES[i % BYTES.length]));
            }
        }
        return t;
    }

    @Test
    void threeReplicasFollowTwentyFlipsUnderLoadWithoutAFailedRequestAndEndOnTheSameVersion() throws Exception {
        List<Target> plan = plan();
        try (S3Store store = S3Store.start()) {
            for (Target t : plan) {
                store.put(PREFIX + t.key(), t.bytes());
            }
            store.pointTo(PREFIX, plan.get(0).key(), Optional.of(Fixtures.sha256(plan.get(0).bytes())));

            List<TestServer> fleet = new ArrayList<>();
            try {
                for (int r = 0; r < REPLICAS; r++) {
                    fleet.add(TestServer.start(work, Map.of(
                            "HOTSERVE_SOURCE", "s3://" + S3Store.BUCKET + "/" + PREFIX,
                            "HOTSERVE_S3_ENDPOINT", store.endpoint().toString(),
                            "HOTSERVE_CACHE_DIR", work.resolve("replica-" + r).toString(),
                            "HOTSERVE_POLL_INTERVAL", "200ms")));
                }
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong requests = new AtomicLong();
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                List<Thread> clients = new ArrayList<>();
                for (TestServer s : fleet) {
                    clients.add(Thread.ofPlatform().name("fleet-client-" + s.server.port()).start(() -> load(s, stop, requests, failures)));
                }

                for (int i = 1; i <= FLIPS; i++) {
                    Target t = plan.get(i);
                    store.pointTo(PREFIX, t.key(), Optional.of(Fixtures.sha256(t.bytes())));
                    boolean quick = i % 5 == 4; // the next flip follows at once: replicas may skip this one
                    if (!quick) {
                        awaitConverged(fleet, t);
                    }
                }

                stop.set(true);
                for (Thread c : clients) {
                    c.join(Duration.ofSeconds(60));
                }
                assertThat(failures).as("failed requests out of " + requests.get()).isEmpty();
                assertThat(requests.get()).as("the clients ran throughout").isGreaterThan(FLIPS);

                Target last = plan.get(FLIPS);
                for (TestServer s : fleet) {
                    JsonNode info = TestServer.json(s.get("/sac/model/info"));
                    assertThat(info.path("version").asText()).isEqualTo(last.version());
                    assertThat(info.path("sha256").asText()).isEqualTo(Fixtures.sha256(last.bytes()));
                    assertFollowedThePointerInOrder(s, plan);
                }
            } finally {
                for (TestServer s : fleet) {
                    s.close();
                }
            }
        }
    }

    private static void awaitConverged(List<TestServer> fleet, Target t) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (TestServer s : fleet) {
                JsonNode info = TestServer.json(s.get("/sac/model/info"));
                assertThat(info.path("version").asText()).isEqualTo(t.version());
                assertThat(info.path("sha256").asText()).isEqualTo(Fixtures.sha256(t.bytes()));
            }
        });
    }

    /** One client: predictions back to back; every answer must be 200, and generations never go down. */
    private static void load(TestServer s, AtomicBoolean stop, AtomicLong requests, ConcurrentLinkedQueue<String> failures) {
        String body = TestServer.predictBody(28, 0.25);
        long lastGeneration = 0;
        while (!stop.get()) {
            HttpResponse<String> r = s.post("/sac/predict", body);
            requests.incrementAndGet();
            if (r.statusCode() != 200) {
                failures.add(s.base + ": " + r.statusCode() + " " + r.body());
                continue;
            }
            long g = Long.parseLong(r.headers().firstValue("X-Model-Generation").orElse("0"));
            if (g < lastGeneration) {
                failures.add(s.base + ": generation went from " + lastGeneration + " down to " + g);
            }
            lastGeneration = g;
        }
    }

    /**
     * The replica's versions, oldest generation first, must be the pointer's targets in order with
     * some skipped: a version never comes back unless the pointer named it again (a rollback).
     */
    private static void assertFollowedThePointerInOrder(TestServer s, List<Target> plan) {
        List<String> loaded = new ArrayList<>();
        for (JsonNode v : TestServer.json(s.get("/sac/model/history"))) {
            loaded.add(v.path("version").asText() + "@" + v.path("sha256").asText());
        }
        Collections.reverse(loaded); // history is newest first
        List<String> named = plan.stream().map(t -> t.version() + "@" + Fixtures.sha256(t.bytes())).toList();
        int at = 0;
        for (String v : loaded) {
            while (at < named.size() && !named.get(at).equals(v)) {
                at++;
            }
            assertThat(at).as(s.base + " loaded " + loaded + ", which is not the pointer's order " + named).isLessThan(named.size());
            at++;
        }
        assertThat(loaded.get(0)).isEqualTo(named.get(0));
    }
}
