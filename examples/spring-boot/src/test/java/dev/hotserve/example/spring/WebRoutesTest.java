package dev.hotserve.example.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application with {@code hotserve.web.enabled=true}: the model's native and OIP routes answer
 * beside the application's own controller and Actuator, with only the starter's dependencies.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "hotserve.web.enabled=true")
@DirtiesContext // see FollowsCheckpointsTest
class WebRoutesTest {

    private static final Path DIR = newDirectory();
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @DynamicPropertySource
    static void policyDirectory(DynamicPropertyRegistry registry) {
        Checkpoints.publish(DIR, "actor_seed0.onnx", "model_0001.onnx", 1);
        registry.add("hotserve.models.sac.dir", DIR::toString);
    }

    @Test
    void theModelsRoutesAnswerBesideTheApplicationsOwn() {
        PolicyService.Reference seed0 = PolicyService.Reference.of("actor_seed0");
        HttpResponse<String> predict = post("/sac/predict", "{\"state\":" + seed0.state() + ",\"deterministic\":true}");
        assertThat(predict.statusCode()).isEqualTo(200);
        assertThat(predict.headers().firstValue("X-Model-Version")).hasValue("model_0001");
        assertThat(json(predict).get("action").asDouble()).isCloseTo(seed0.action(), within(1e-4));

        HttpResponse<String> wrongWidth = post("/sac/predict", "{\"state\":[0.1]}");
        assertThat(wrongWidth.statusCode()).isEqualTo(400);
        assertThat(json(wrongWidth).get("detail").asText()).contains("28");

        HttpResponse<String> oip = get("/v2/models/sac");
        assertThat(oip.statusCode()).isEqualTo(200);
        assertThat(json(oip).get("platform").asText()).isEqualTo("onnxruntime_onnx");

        // Actuator's health has the shape of a model's /<model>/health, and stays Actuator's.
        HttpResponse<String> actuator = get("/actuator/health");
        assertThat(actuator.statusCode()).isEqualTo(200);
        assertThat(json(actuator).path("components").path("hotserve").path("components").path("sac").path("status").asText())
                .isEqualTo("UP");
    }

    private HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
    }

    private HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return client.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (status " + r.statusCode() + "): " + r.body(), e);
        }
    }

    private static Path newDirectory() {
        try {
            return Files.createTempDirectory("hotserve-example-web");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
