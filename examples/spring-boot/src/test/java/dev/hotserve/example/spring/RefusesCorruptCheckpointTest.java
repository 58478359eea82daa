package dev.hotserve.example.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A corrupt checkpoint renamed in is refused: the old model keeps answering, and health and
 * metrics report the failure.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Closed right after the class, not by the JVM's shutdown hooks: ONNX Runtime's own hook releases its
// native environment then, concurrently, and a load still running on a loader thread (the optimised
// graph, 50 ms after a swap) crashed the JVM in session creation.
@DirtiesContext
class RefusesCorruptCheckpointTest {

    private static final Path DIR = newDirectory();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void policyDirectory(DynamicPropertyRegistry registry) {
        Checkpoints.publish(DIR, "actor_seed0.onnx", "model_0001.onnx", 1);
        registry.add("hotserve.models.sac.dir", DIR::toString);
    }

    @Test
    void aCorruptCheckpointIsRefusedAndTheOldModelKeepsAnswering() {
        PolicyService service = new PolicyService(port);
        PolicyService.Reference seed0 = PolicyService.Reference.of("actor_seed0");
        assertThat(service.act(seed0.state()).get("version").asText()).isEqualTo("model_0001");

        Checkpoints.publishBytes(DIR, "this is not an ONNX graph".getBytes(StandardCharsets.UTF_8), "model_0002.onnx", 2);

        JsonNode answer = service.act(seed0.state());
        assertThat(answer.get("version").asText()).isEqualTo("model_0001");
        assertThat(answer.get("generation").asLong()).isEqualTo(1);
        assertThat(answer.get("action").get(0).asDouble()).isCloseTo(seed0.action(), within(1e-4));

        JsonNode health = service.health("sac");
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("details").path("version").asText()).isEqualTo("model_0001");
        assertThat(health.path("details").path("lastError").asText()).contains("model_0002.onnx");

        String scrape = service.prometheus();
        assertThat(PolicyService.sample(scrape, "hotserve_load_failures_total", "model=\"sac\"")).hasValue(1.0);
        assertThat(PolicyService.sample(scrape, "hotserve_reloads_total", "model=\"sac\"", "kind=\"failed\"")).hasValue(1.0);
        assertThat(PolicyService.sample(scrape, "hotserve_model_generation", "model=\"sac\"")).hasValue(1.0);
        assertThat(PolicyService.sample(scrape, "hotserve_model_info", "model=\"sac\"", "version=\"model_0001\"")).hasValue(1.0);
    }

    private static Path newDirectory() {
        try {
            return Files.createTempDirectory("hotserve-example-corrupt");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
