package dev.hotserve.server.faults;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server as an operator runs it: {@code hotserve serve} in a JVM of its own (the test's class
 * path, so it is the code under test), configured by environment variables, its output in a log
 * file. It can be killed with SIGKILL ({@link #kill9()}), which runs no shutdown hook and flushes
 * nothing: what it leaves on disk is what a crash leaves.
 */
final class ServerProcess implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final HttpClient client;
    final URI base;

    private ServerProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /**
     * Starts a server with these variables (a free port of its own, gRPC off, the test store's
     * credentials) and waits until it answers: it binds only after each model's first load.
     *
     * @param log appended to, so one file holds every run of a test's restarts
     */
    static ServerProcess start(Map<String, String> env, Path log) {
        int port = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.hotserve.server.Main", "serve"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> e = pb.environment();
        e.put("HOTSERVE_PORT", Integer.toString(port));
        e.put("HOTSERVE_GRPC_PORT", "off");
        e.put("DJL_OFFLINE", "true");
        // The test store accepts only the credentials surefire gives this JVM.
        e.put("AWS_ACCESS_KEY_ID", System.getProperty("aws.accessKeyId", "hotserve-test"));
        e.put("AWS_SECRET_ACCESS_KEY", System.getProperty("aws.secretAccessKey", "hotserve-test-secret"));
        e.put("AWS_REGION", System.getProperty("aws.region", "us-east-1"));
        e.putAll(env);
        try {
            Files.writeString(log, "---- start on port " + port + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ServerProcess s = new ServerProcess(pb.start(), log, port);
            s.awaitAnswering();
            return s;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private void awaitAnswering() {
        // A bound on a hung start, not a timing assertion: a loaded machine starts JVMs slowly.
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the server exited with " + process.exitValue() + " before answering; log:\n" + logText());
            }
            try {
                client.send(HttpRequest.newBuilder(base.resolve("/v2/health/live")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill9() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                throw new AssertionError("the server survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    HttpResponse<String> get(String path) throws IOException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    HttpResponse<String> post(String path, String body) throws IOException {
        return send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json"));
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException {
        return send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").headers(headers));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException {
        try {
            return client.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The info route's body; the server must be answering. */
    JsonNode info(String model) {
        try {
            return JSON.readTree(get("/" + model + "/model/info").body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (status " + r.statusCode() + "): " + r.body(), e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the process if it still runs (a test that failed half way leaves no server behind). */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill9();
        }
    }
}
