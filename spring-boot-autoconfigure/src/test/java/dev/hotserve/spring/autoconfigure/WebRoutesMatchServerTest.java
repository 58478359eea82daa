package dev.hotserve.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hotserve.server.HotserveServer;
import dev.hotserve.server.config.ConfigException;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.Setting;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The same requests, sent to a standalone server on a real port and to a Spring MVC application
 * with {@code hotserve.web.enabled=true}, both serving the same real ONNX checkpoints from the same
 * files, get the same status, the same JSON and the same {@code X-Model-*} headers. Only what must
 * differ between two processes that loaded the files at different moments is left out: timings and
 * load times.
 */
@SpringBootTest(classes = WebRoutesMatchServerTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "hotserve.web.enabled=true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Closed after the class rather than by the JVM's shutdown hooks, which race ONNX Runtime's own (see the example's tests).
@DirtiesContext
class WebRoutesMatchServerTest {

    /** Written before either server starts; both read the same files, so paths, mtimes and hashes agree. */
    private static final Path DIR = checkpoints();

    /** Fields whose values are the moment or the duration of something, different in any two processes. */
    private static final Set<String> TIMING = Set.of("latency_ms", "duration_ms", "loaded_at", "load_duration_ms", "at", "since", "until");

    private static final ObjectMapper JSON = new ObjectMapper();

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @RestController
    static class App {
        /** A path of the shape of a model's /<model>/health, as /actuator/health is: the application's, not a model's. */
        @GetMapping("/orders/health")
        String ordersHealth() {
            return "the application's own";
        }
    }

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry registry) {
        registry.add("hotserve.models.sac.dir", () -> DIR.resolve("sac").toString());
        registry.add("hotserve.models.sac.jit", () -> "false");
        registry.add("hotserve.models.nan.path", () -> DIR.resolve("nan/policy.onnx").toString());
        registry.add("hotserve.models.nan.jit", () -> "false");
    }

    @Value("${local.server.port}")
    private int springPort;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
            .build();
    private HotserveServer server;

    @BeforeAll
    void startStandaloneServer() throws IOException, ConfigException {
        // jit off on both: the optimised graph swapped in after a load would be a second generation, on each at its own moment.
        Path config = Files.writeString(DIR.resolve("hotserve.yaml"), """
                models:
                  - name: sac
                    dir: %s
                    jit: false
                  - name: nan
                    path: %s
                    jit: false
                """.formatted(DIR.resolve("sac"), DIR.resolve("nan/policy.onnx")));
        server = HotserveServer.start(ConfigLoader.load(Map.<Setting, String>of(), Map.of("HOTSERVE_PORT", "0", "HOTSERVE_GRPC_PORT", "off",
                "HOTSERVE_CONFIG", config.toString()), DIR));
    }

    @AfterAll
    void stopStandaloneServer() {
        if (server != null) {
            server.stop();
        }
    }

    /** @param chunked sent without a Content-Length, so the server finds out the size only as it reads */
    record Exchange(String method, String path, String body, boolean chunked) {
        Exchange(String method, String path, String body) {
            this(method, path, body, false);
        }

        @Override
        public String toString() {
            return method + " " + path + (body == null ? "" : " " + (body.length() > 60 ? body.substring(0, 60) + "... ("
                    + body.length() + " bytes" + (chunked ? ", chunked" : "") + ")" : body));
        }
    }

    static Stream<Exchange> exchanges() {
        String state = row(28, 0.1);
        String oip = "{\"id\":\"r1\",\"inputs\":[{\"name\":\"state\",\"datatype\":\"FP32\",\"shape\":[1,28],\"data\":" + state + "}],"
                + "\"parameters\":{\"deterministic\":true}}";
        StringBuilder tooManyRows = new StringBuilder("{\"states\":[");
        for (int i = 0; i < 8193; i++) {
            tooManyRows.append(i == 0 ? "" : ",").append(row(28, 0.0));
        }
        tooManyRows.append("]}");
        return Stream.of(
                // native: good answers
                new Exchange("POST", "/sac/predict", "{\"state\":" + state + ",\"deterministic\":true}"),
                new Exchange("POST", "/sac/predict", "{\"state\":" + state + ",\"seed\":7}"),
                new Exchange("POST", "/sac/predict/batch", "{\"states\":[" + state + "," + row(28, -0.2) + "],\"deterministic\":true}"),
                new Exchange("GET", "/sac/health", null),
                new Exchange("GET", "/sac/model/info", null),
                new Exchange("GET", "/sac/model/history", null),
                new Exchange("GET", "/sac/model/events", null),
                // native: refusals
                new Exchange("POST", "/sac/predict", "{\"state\": [0.1, 0.2"),
                new Exchange("POST", "/sac/predict", "{\"state\":" + row(27, 0.1) + "}"),
                new Exchange("POST", "/sac/predict", "{\"state\":[NaN" + ",0.0".repeat(27) + "]}"),
                new Exchange("POST", "/sac/predict", "{\"deterministic\":true}"),
                new Exchange("POST", "/sac/predict/batch", tooManyRows.toString()),
                // over the 8 MiB body limit, declared and found out while reading
                new Exchange("POST", "/sac/predict", "{\"state\":[" + "0,".repeat(4_500_000) + "0]}"),
                new Exchange("POST", "/sac/predict", "{\"state\":[" + "0,".repeat(4_500_000) + "0]}", true),
                new Exchange("POST", "/nope/predict", "{\"state\":" + state + "}"),
                new Exchange("GET", "/nope/health", null),
                new Exchange("GET", "/sac/predict", null),
                // a model that answers NaN for a negative state
                new Exchange("POST", "/nan/predict", "{\"state\":" + row(28, -0.5) + ",\"deterministic\":true}"),
                // Open Inference Protocol
                new Exchange("GET", "/v2/models/sac/config", null),
                new Exchange("GET", "/v2/models/nope/config", null),
                new Exchange("GET", "/v2/health/live", null),
                new Exchange("GET", "/v2/health/ready", null),
                new Exchange("GET", "/v2/models/sac", null),
                new Exchange("GET", "/v2/models/sac/ready", null),
                new Exchange("GET", "/v2/models/sac/versions/model_1", null),
                new Exchange("GET", "/v2/models/sac/versions/model_9", null),
                new Exchange("GET", "/v2/models/nope", null),
                new Exchange("POST", "/v2/models/sac/infer", oip),
                new Exchange("POST", "/v2/models/sac/versions/model_1/infer", oip),
                new Exchange("POST", "/v2/models/sac/infer", "{\"inputs\": [}"),
                new Exchange("POST", "/v2/models/sac/infer", oip.replace("[1,28]", "[1,27]")),
                new Exchange("POST", "/v2/models/sac/infer", oip.replace("\"state\"", "\"obs\"")),
                new Exchange("POST", "/v2/models/nope/infer", oip),
                new Exchange("GET", "/v2/models/sac/infer", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exchanges")
    void answersAsTheStandaloneServerDoes(Exchange e) {
        HttpResponse<String> standalone = send(server.port(), e);
        HttpResponse<String> spring = send(springPort, e);

        assertThat(spring.statusCode()).as("status of %s (standalone answered %s)", e, standalone.body()).isEqualTo(standalone.statusCode());
        assertThat(spring.headers().firstValue("Content-Type")).as("Content-Type of %s", e)
                .isEqualTo(standalone.headers().firstValue("Content-Type"));
        for (String h : List.of("X-Model-Generation", "X-Model-Path", "X-Model-Version", "Allow")) {
            assertThat(spring.headers().firstValue(h)).as("%s of %s", h, e).isEqualTo(standalone.headers().firstValue(h));
        }
        assertThat(withoutTimings(json(spring))).as("body of %s", e).isEqualTo(withoutTimings(json(standalone)));
    }

    /** The comparison could pass by both failing alike: the good requests are answered, the bad refused as they should be. */
    @Test
    void theComparedAnswersAreTheIntendedOnes() {
        Map<String, Integer> expected = Map.of("/sac/predict", 200, "/sac/model/info", 200, "/v2/models/sac", 200, "/nope/health", 404);
        expected.forEach((path, status) -> {
            String method = path.endsWith("predict") ? "POST" : "GET";
            String body = method.equals("POST") ? "{\"state\":" + row(28, 0.1) + "}" : null;
            assertThat(send(springPort, new Exchange(method, path, body)).statusCode()).as(path).isEqualTo(status);
        });
        HttpResponse<String> wrongWidth = send(springPort, new Exchange("POST", "/sac/predict", "{\"state\":" + row(27, 0.1) + "}"));
        assertThat(wrongWidth.statusCode()).isEqualTo(400);
        assertThat(json(wrongWidth).get("detail").asText()).contains("28");
        HttpResponse<String> oipUnknown = send(springPort, new Exchange("GET", "/v2/models/nope", null));
        assertThat(json(oipUnknown).get("error").asText()).contains("nope");
        HttpResponse<String> nan = send(springPort, new Exchange("POST", "/nan/predict", "{\"state\":" + row(28, -0.5) + "}"));
        assertThat(nan.statusCode()).isEqualTo(500);
    }

    /** The application's server mounts no admin route, so it lists no repository: the rest of /v2 is the standalone server's. */
    @Test
    void serverMetadataListsOnlyWhatTheApplicationMounts() {
        JsonNode standalone = json(send(server.port(), new Exchange("GET", "/v2", null)));
        HttpResponse<String> r = send(springPort, new Exchange("GET", "/v2", null));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode spring = json(r);
        List<String> standaloneExtensions = new ArrayList<>();
        standalone.get("extensions").forEach(e -> standaloneExtensions.add(e.asText()));
        List<String> springExtensions = new ArrayList<>();
        spring.get("extensions").forEach(e -> springExtensions.add(e.asText()));
        assertThat(standaloneExtensions).contains("model_repository", "statistics", "model_configuration", "binary_tensor_data");
        assertThat(springExtensions).isEqualTo(standaloneExtensions.stream().filter(e -> !e.equals("model_repository")).toList());
        assertThat(spring.get("name")).isEqualTo(standalone.get("name"));
        assertThat(spring.get("version")).isEqualTo(standalone.get("version"));
        assertThat(send(springPort, new Exchange("POST", "/v2/repository/index", "{}")).statusCode()).isEqualTo(404);
    }

    @Test
    void theApplicationsOwnRoutesComeFirst() {
        HttpResponse<String> r = send(springPort, new Exchange("GET", "/orders/health", null));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("the application's own");
    }

    private HttpResponse<String> send(int port, Exchange e) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + e.path())).timeout(Duration.ofSeconds(60));
        if (e.body() == null) {
            b.method(e.method(), HttpRequest.BodyPublishers.noBody());
        } else if (e.chunked()) {
            byte[] bytes = e.body().getBytes(StandardCharsets.UTF_8);
            b.method(e.method(), HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                    .header("Content-Type", "application/json");
        } else {
            b.method(e.method(), HttpRequest.BodyPublishers.ofString(e.body())).header("Content-Type", "application/json");
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (status " + r.statusCode() + "): " + r.body(), e);
        }
    }

    private static JsonNode withoutTimings(JsonNode node) {
        JsonNode copy = node.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
                names.add(it.next());
            }
            for (String n : names) {
                if (TIMING.contains(n)) {
                    o.remove(n);
                } else {
                    strip(o.get(n));
                }
            }
        } else if (node.isArray()) {
            node.forEach(WebRoutesMatchServerTest::strip);
        }
    }

    private static String row(int width, double value) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < width; i++) {
            b.append(i == 0 ? "" : ",").append(value);
        }
        return b.append(']').toString();
    }

    private static Path checkpoints() {
        try {
            Path dir = Files.createTempDirectory("hotserve-web-routes");
            Checkpoints.publish(Files.createDirectory(dir.resolve("sac")), "actor_seed0.onnx", "model_1.onnx", 1);
            Checkpoints.publish(Files.createDirectory(dir.resolve("nan")), "actor_seed0_nan_when_negative.onnx", "policy.onnx", 1);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
