package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.HotModel;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Configuration": stopping (what the SIGTERM hook does) refuses new requests, lets an in-flight request
 * finish with 200, then closes the listener and only then the models. The request is held in flight by its own
 * body, which the test releases only after the server has stopped accepting: no timing involved.
 */
class ShutdownDrainTest {

    @TempDir
    Path dir;

    @Test
    void stopDrainsTheInFlightRequestThenClosesTheModels() throws Exception {
        // A grace far longer than the test: the drain must end because the request finished, not because time ran out.
        TestServer s = TestServer.start(dir, Map.of("HOTSERVE_SHUTDOWN_GRACE", "5m"));
        HotModel model = s.server.models().get("sac");
        byte[] body = TestServer.predictBody(28, 0.25).getBytes(StandardCharsets.UTF_8);
        int half = body.length / 2;
        CountDownLatch release = new CountDownLatch(1);
        InputStream slowBody = new InputStream() {
            int pos;

            @Override
            public int read() throws IOException {
                if (pos == half) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
                return pos < body.length ? body[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                // One byte at a time, so the first half goes out before the stream blocks.
                int c = read();
                if (c < 0) {
                    return -1;
                }
                b[off] = (byte) c;
                return 1;
            }
        };
        CompletableFuture<HttpResponse<String>> inFlight = s.client.sendAsync(
                HttpRequest.newBuilder(s.base.resolve("/sac/predict")).timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> slowBody)).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(30)).until(() -> s.server.metrics().inFlight() >= 1);

        int port = s.server.port();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(s.server::stop);
        // New work is refused once stopping has begun...
        await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/sac/health").statusCode() == 503);
        HttpResponse<String> refused = s.post("/sac/predict", TestServer.predictBody(28, 0.25));
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(TestServer.json(refused).get("detail").asText()).contains("shutting down");
        // ...while the request in flight still holds the server and its model open.
        assertThat(stopping).isNotDone();
        assertThat(model.current()).isPresent();

        release.countDown();
        HttpResponse<String> r = inFlight.get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestServer.json(r).get("generation").asLong()).isEqualTo(1);
        stopping.get(30, TimeUnit.SECONDS);
        assertThat(model.current()).isEmpty();
        assertThatThrownBy(model::acquire).isInstanceOf(IllegalStateException.class);
        assertThat(refusesConnections(port)).isTrue();
    }

    private static boolean refusesConnections(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
