package dev.hotserve.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Triton's statistics in the application's own web server count a batched model's engine calls as
 * the standalone server does: the model bean's batchers report into the statistics the routes read.
 */
@SpringBootTest(classes = WebStatisticsTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "hotserve.web.enabled=true")
// Closed after the class rather than by the JVM's shutdown hooks, which race ONNX Runtime's own (see the example's tests).
@DirtiesContext
class WebStatisticsTest {

    private static final int REQUESTS = 5;

    @TempDir
    static Path dir;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {}

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("hotserve.models.sac.dir", () -> {
            Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
            return dir.toString();
        });
        registry.add("hotserve.models.sac.jit", () -> "false");
        registry.add("hotserve.models.sac.max-batch-size", () -> "8");
    }

    @Value("${local.server.port}")
    private int port;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return client.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBatchedModelsEngineCallsAreCounted() throws Exception {
        StringBuilder state = new StringBuilder("[");
        for (int i = 0; i < 28; i++) {
            state.append(i == 0 ? "" : ",").append(0.01 * i);
        }
        state.append(']');
        for (int i = 0; i < REQUESTS; i++) { // one after the other: each is a batch of one
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sac/predict"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"state\":" + state + "}")));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/models/sac/stats")).GET());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode stats = new ObjectMapper().readTree(r.body()).get("model_stats").get(0);
        assertThat(stats.get("inference_count").asLong()).isEqualTo(REQUESTS);
        assertThat(stats.get("execution_count").asLong()).as("engine calls, counted by the batcher").isEqualTo(REQUESTS);
        JsonNode s = stats.get("inference_stats");
        assertThat(s.get("success").get("count").asLong()).isEqualTo(REQUESTS);
        assertThat(s.get("queue").get("count").asLong()).isEqualTo(REQUESTS);
        assertThat(s.get("compute_infer").get("count").asLong()).isEqualTo(REQUESTS);
        assertThat(s.get("compute_infer").get("ns").asLong()).isPositive();
        assertThat(stats.get("batch_stats")).hasSize(1);
        assertThat(stats.get("batch_stats").get(0).get("batch_size").asLong()).isEqualTo(1);
        assertThat(stats.get("batch_stats").get(0).get("compute_infer").get("count").asLong()).isEqualTo(REQUESTS);
    }
}
