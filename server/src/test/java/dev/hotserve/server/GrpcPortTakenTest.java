package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md: every listener is bound before anything answers. With the gRPC port taken, start-up
 * fails naming that port, and the HTTP port, probed as fast as a client can throughout, never
 * answers a health check.
 */
class GrpcPortTakenTest {

    @TempDir
    Path dir;

    @Test
    void aTakenGrpcPortStopsStartUpBeforeHealthEverAnswers() throws Exception {
        int httpPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            httpPort = probe.getLocalPort();
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/sac/health")).timeout(Duration.ofSeconds(5)).build();
        AtomicBoolean starting = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger probes = new AtomicInteger();
        Thread prober = Thread.ofPlatform().start(() -> {
            while (starting.get()) {
                probes.incrementAndGet();
                try {
                    HttpResponse<Void> r = client.send(health, HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        answered.incrementAndGet();
                    }
                } catch (IOException e) {
                    // refused: nothing listens, as it should be
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String grpcPort = Integer.toString(taken.getLocalPort());
            // a model to load, so that start-up takes a real load's time before it binds
            Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
            assertThatThrownBy(() -> TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_PORT",
                    Integer.toString(httpPort), "HOTSERVE_GRPC_PORT", grpcPort)))
                    .isInstanceOf(HotserveServer.ServerStartException.class)
                    .hasMessageContaining("gRPC on 127.0.0.1:" + grpcPort);
        } finally {
            starting.set(false);
            prober.join();
        }
        assertThat(probes.get()).as("the prober ran").isPositive();
        assertThat(answered.get()).as("health checks answered 200 by a server that then failed to start").isZero();
        // and the HTTP port was let go: a server starts there now
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_PORT", Integer.toString(httpPort)))) {
            assertThat(s.get("/sac/health").statusCode()).isEqualTo(200);
        }
    }
}
