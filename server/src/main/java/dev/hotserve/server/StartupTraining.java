package dev.hotserve.server;

import dev.hotserve.server.config.ConfigException;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.Setting;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code hotserve aot-training}: what the launcher runs once per build under
 * {@code -XX:AOTCacheOutput} (JDK 25's ahead-of-time cache) so that every later start finds the
 * server's classes loaded and linked and its methods' profiles recorded: a server on the bundled
 * demo model, answering the native and the Open Inference Protocol routes, then picking up new
 * checkpoints renamed into its directory, as a nightly training job would write them. The first
 * pickup after a start then runs as the twentieth does (bench/results/pickup.md).
 */
@Command(name = "aot-training", hidden = true, description = "Exercise a server for the launcher's start-up cache, then exit.")
final class StartupTraining implements Callable<Integer> {

    private static final String DEMO = dev.hotserve.server.inference.ModelFactory.DEMO_RESOURCE;
    private static final int PICKUPS = 24;
    private static final int REQUESTS_BETWEEN = 200;
    private static final Duration PICKUP_LIMIT = Duration.ofSeconds(30);

    @Override
    public Integer call() throws IOException, InterruptedException, ConfigException {
        Path dir = Files.createTempDirectory("hotserve-aot-training");
        try {
            Path first = dir.resolve("model_0000.onnx");
            copyDemo(first);
            Files.setLastModifiedTime(first, FileTime.from(Instant.now().minusSeconds(3600)));
            HotserveServer server = HotserveServer.start(ConfigLoader.load(Map.of(), Map.of(
                    Setting.MODEL_DIR.env(), dir.toString(),
                    Setting.HOST.env(), "127.0.0.1",
                    Setting.PORT.env(), "0",
                    Setting.GRPC_PORT.env(), "off"), dir));
            try {
                exercise(server.port(), dir);
            } finally {
                server.stop();
            }
            return 0;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void exercise(int port, Path dir) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        String state = "{\"state\":[" + "0.1,".repeat(27) + "0.1],\"deterministic\":true}";
        String infer = "{\"inputs\":[{\"name\":\"state\",\"datatype\":\"FP32\",\"shape\":[1,28],\"data\":[" + "0.1,".repeat(27) + "0.1]}]}";
        for (int n = 1; n <= PICKUPS; n++) {
            for (int i = 0; i < REQUESTS_BETWEEN; i++) {
                post(http, base.resolve(i % 4 == 3 ? "/v2/models/sac/infer" : "/sac/predict"), i % 4 == 3 ? infer : state);
            }
            get(http, base.resolve("/sac/model/info"));
            get(http, base.resolve("/v2/health/ready"));
            String name = String.format("model_%04d.onnx", n);
            Path tmp = dir.resolve("." + name + ".tmp");
            copyDemo(tmp);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            Instant until = Instant.now().plus(PICKUP_LIMIT);
            while (!post(http, base.resolve("/sac/predict"), state).contains(name)) {
                if (Instant.now().isAfter(until)) {
                    throw new IllegalStateException("the server did not pick up " + name + " within " + PICKUP_LIMIT);
                }
            }
        }
    }

    private static String post(HttpClient http, URI uri, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void get(HttpClient http, URI uri) throws IOException, InterruptedException {
        http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding());
    }

    private static void copyDemo(Path target) throws IOException {
        try (InputStream in = StartupTraining.class.getResourceAsStream(DEMO)) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("the demo model " + DEMO + " is not on the class path"));
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
