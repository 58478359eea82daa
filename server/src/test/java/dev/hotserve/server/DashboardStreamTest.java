package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** README, "The dashboard", the event stream behind the dashboard, read as a script would (no browser). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardStreamTest {

    @TempDir
    Path dir;

    /** One server-sent event. */
    record Event(String name, JsonNode data, String raw) {}

    /** Reads {@code /ui/stream} event by event. */
    static final class EventReader implements AutoCloseable {
        final HttpResponse<InputStream> response;
        private final BufferedReader lines;

        EventReader(TestServer s, String key) {
            HttpRequest.Builder b = HttpRequest.newBuilder(s.base.resolve("/ui/stream")).GET();
            if (!key.isEmpty()) {
                b.header("Authorization", "Bearer " + key);
            }
            try {
                response = s.client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        }

        /** The next event (comments skipped), or null at the end of the stream. */
        Event next() throws IOException {
            String name = "message";
            StringBuilder data = new StringBuilder();
            StringBuilder raw = new StringBuilder();
            for (;;) {
                String line = lines.readLine();
                if (line == null) {
                    return null;
                }
                raw.append(line).append('\n');
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        return new Event(name, TestServer.JSON.readTree(data.toString()), raw.toString());
                    }
                    continue;
                }
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
        }

        /** Reads until an event matches; fails at the end of the stream. */
        Event until(Predicate<Event> wanted) throws IOException {
            for (;;) {
                Event e = next();
                assertThat(e).as("the stream ended before the expected event").isNotNull();
                if (wanted.test(e)) {
                    return e;
                }
            }
        }

        @Override
        public void close() throws IOException {
            response.body().close();
        }
    }

    /** The first event of the stream as sent (its bytes, for size measurements). */
    static String firstEvent(TestServer s, String key) throws IOException {
        try (EventReader r = new EventReader(s, key)) {
            return r.next().raw();
        }
    }

    @Test
    void theStreamStartsWithASnapshotAndSendsTheNewStateWhenACheckpointLoads() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
                EventReader stream = new EventReader(s, "")) {
            assertThat(stream.response.statusCode()).isEqualTo(200);
            assertThat(stream.response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            Event first = stream.next();
            assertThat(first.name()).isEqualTo("snapshot");
            JsonNode model = first.data().get("models").get(0);
            assertThat(model.get("name").asText()).isEqualTo("sac");
            // The same bodies as the JSON routes.
            assertThat(model.get("info").get("generation").asLong()).isEqualTo(1);
            assertThat(model.get("info").get("path").asText()).endsWith("model_1.onnx");
            assertThat(model.get("history")).isEqualTo(TestServer.json(s.get("/sac/model/history")));
            assertThat(model.get("events")).isEqualTo(TestServer.json(s.get("/sac/model/events")));
            assertThat(model.get("series").get("t").isArray()).isTrue();

            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);

            Event changed = stream.until(e -> e.name().equals("model"));
            assertThat(changed.data().get("info").get("generation").asLong()).isEqualTo(2);
            assertThat(changed.data().get("events").get(0).get("kind").asText()).isEqualTo("loaded");
        }
    }

    @Test
    void aModelLoadedThroughTheRepositoryApiJoinsTheFeedAndItsNewCheckpointsAreSent() throws Exception {
        Path sac = dir.resolve("sac");
        Path extra = dir.resolve("extra");
        java.nio.file.Files.createDirectories(sac);
        java.nio.file.Files.createDirectories(extra);
        Checkpoints.publish(sac, "actor_seed0.onnx", "model_1.onnx", 1);
        Checkpoints.publish(extra, "actor_seed1.onnx", "model_7.onnx", 1);
        String admin = "Bearer feed-admin-key";
        // A load with a config entry needs a key set; the stream itself stays open to every client.
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", sac.toString(), "HOTSERVE_ADMIN_KEY", "feed-admin-key"));
                EventReader stream = new EventReader(s, "")) {
            assertThat(stream.next().data().get("models")).hasSize(1);

            String config = TestServer.JSON.writeValueAsString("{\"dir\":\"" + extra + "\"}");
            HttpResponse<String> load = s.post("/v2/repository/models/extra/load", "{\"parameters\":{\"config\":" + config + "}}",
                    "Authorization", admin);
            assertThat(load.statusCode()).as(load.body()).isEqualTo(200);

            Event joined = stream.until(e -> e.name().equals("snapshot"));
            assertThat(joined.data().get("models")).extracting(m -> m.get("name").asText()).containsExactly("extra", "sac");
            JsonNode added = joined.data().get("models").get(0);
            assertThat(added.get("info").get("path").asText()).endsWith("model_7.onnx");

            // No request for it is sent: the model's own watch loads the file, and the feed is told.
            Checkpoints.publish(extra, "actor_seed2.onnx", "model_8.onnx", 2);

            Event changed = stream.until(e -> e.name().equals("model") && e.data().get("name").asText().equals("extra"));
            assertThat(changed.data().get("info").get("path").asText()).endsWith("model_8.onnx");
            assertThat(changed.data().get("info").get("generation").asLong()).isEqualTo(2);
        }
    }

    @Test
    void ticksCarryTheRequestRateAndLatencyOfInferenceRoutes() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
                EventReader stream = new EventReader(s, "")) {
            stream.next();
            for (int i = 0; i < 40; i++) {
                assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);
            }

            Event tick = stream.until(e -> e.name().equals("tick") && e.data().get("models").get("sac").get("rate").asDouble() > 0);
            JsonNode sac = tick.data().get("models").get("sac");
            assertThat(sac.get("p50").asDouble()).isPositive();
            assertThat(sac.get("p99").asDouble()).isGreaterThanOrEqualTo(sac.get("p50").asDouble());
            assertThat(sac.has("rows")).as("no batch figures while batching is off").isFalse();
        }
    }

    @Test
    void theStreamNeedsTheApiKeyAndNeverCarriesIt() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_API_KEY", "user-key-1",
                "HOTSERVE_ADMIN_KEY", "admin-key-2"))) {
            HttpResponse<String> none = s.get("/ui/stream");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).isPresent();
            assertThat(s.get("/ui/stream", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
            // The page itself holds no data and needs no key.
            assertThat(s.get("/ui/").statusCode()).isEqualTo(200);

            // Every log record of the server meanwhile, at every level.
            List<String> logged = new CopyOnWriteArrayList<>();
            Logger root = Logger.getLogger("");
            Level before = root.getLevel();
            Handler capture = new Handler() {
                @Override
                public void publish(LogRecord r) {
                    logged.add(r.getLoggerName() + " " + new SimpleFormatter().formatMessage(r) + " " + r.getThrown());
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };
            capture.setLevel(Level.ALL);
            // The console keeps showing warnings only; the capture sees everything.
            Map<Handler, Level> consoles = new HashMap<>();
            for (Handler h : root.getHandlers()) {
                consoles.put(h, h.getLevel());
                h.setLevel(Level.WARNING);
            }
            root.addHandler(capture);
            root.setLevel(Level.ALL);
            try (EventReader stream = new EventReader(s, "user-key-1")) {
                assertThat(stream.response.statusCode()).isEqualTo(200);
                Event snapshot = stream.next();
                Event tick = stream.until(e -> e.name().equals("tick"));
                assertThat(snapshot.raw() + tick.raw()).doesNotContain("user-key-1").doesNotContain("admin-key-2");
                assertThat(s.post("/sac/model/reload", "", "Authorization", "Bearer admin-key-2").statusCode()).isEqualTo(200);
                stream.until(e -> e.name().equals("model"));
            } finally {
                root.setLevel(before);
                root.removeHandler(capture);
                consoles.forEach(Handler::setLevel);
            }
            assertThat(logged).isNotEmpty();
            assertThat(String.join("\n", logged)).doesNotContain("user-key-1").doesNotContain("admin-key-2");
        }
    }

    @Test
    void stoppingTheServerEndsOpenStreamsInsteadOfWaitingForThem() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_SHUTDOWN_GRACE", "300s"));
        try (EventReader stream = new EventReader(s, "")) {
            assertThat(stream.next().name()).isEqualTo("snapshot");
            assertThat(s.server.dashboard().openStreams()).isEqualTo(1);

            CompletableFuture<Void> stopped = CompletableFuture.runAsync(s::close);

            // Well inside the 300 s grace: open streams do not hold up the drain.
            stopped.get(60, TimeUnit.SECONDS);
            Event rest;
            do {
                rest = stream.next();
            } while (rest != null && (rest.name().equals("tick") || rest.name().equals("info")));
            assertThat(rest).as("the stream ends cleanly").isNull();
            await().atMost(Duration.ofSeconds(30)).until(() -> s.server.dashboard().openStreams() == 0);
        }
    }
}
