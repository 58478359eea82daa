package dev.hotserve.example.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application on a random port, following a directory of real ONNX checkpoints: a checkpoint
 * renamed in while it serves answers the next request, and health and metrics name it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Closed right after the class, not by the JVM's shutdown hooks: ONNX Runtime's own hook releases its
// native environment then, concurrently, and a load still running on a loader thread (the optimised
// graph, 50 ms after a swap) crashed the JVM in session creation.
@DirtiesContext
class FollowsCheckpointsTest {

    private static final Path DIR = newDirectory();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void policyDirectory(DynamicPropertyRegistry registry) {
        Checkpoints.publish(DIR, "actor_seed0.onnx", "model_0001.onnx", 1);
        registry.add("hotserve.models.sac.dir", DIR::toString);
    }

    @Test
    void aCheckpointRenamedInWhileTheApplicationServesAnswersTheNextRequest() {
        PolicyService service = new PolicyService(port);
        PolicyService.Reference seed0 = PolicyService.Reference.of("actor_seed0");
        PolicyService.Reference seed1 = PolicyService.Reference.of("actor_seed1");

        JsonNode first = service.act(seed0.state());
        assertThat(first.get("version").asText()).isEqualTo("model_0001");
        assertThat(first.get("generation").asLong()).isEqualTo(1);
        assertThat(first.get("action").get(0).asDouble()).isCloseTo(seed0.action(), within(1e-4));

        Checkpoints.publish(DIR, "actor_seed1.onnx", "model_0002.onnx", 2);

        JsonNode second = service.act(seed1.state());
        assertThat(second.get("version").asText()).isEqualTo("model_0002");
        assertThat(second.get("generation").asLong()).isEqualTo(2);
        assertThat(second.get("action").get(0).asDouble()).isCloseTo(seed1.action(), within(1e-4));

        JsonNode health = service.health("sac");
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("details").path("version").asText()).isEqualTo("model_0002");
        assertThat(health.path("details").path("generation").asLong()).isEqualTo(2);
        assertThat(health.path("details").path("engine").asText()).isEqualTo("onnx");
        assertThat(health.path("details").path("sha256").asText()).hasSize(64);

        String scrape = service.prometheus();
        assertThat(PolicyService.sample(scrape, "hotserve_model_generation", "model=\"sac\"")).hasValue(2.0);
        assertThat(PolicyService.sample(scrape, "hotserve_model_loaded", "model=\"sac\"")).hasValue(1.0);
        assertThat(PolicyService.sample(scrape, "hotserve_model_info", "model=\"sac\"", "version=\"model_0002\"", "engine=\"onnx\""))
                .hasValue(1.0);
        assertThat(PolicyService.sample(scrape, "hotserve_model_info", "version=\"model_0001\"")).isEmpty();
        assertThat(PolicyService.sample(scrape, "hotserve_reloads_total", "model=\"sac\"", "kind=\"loaded\"")).hasValue(2.0);
        assertThat(PolicyService.sample(scrape, "hotserve_load_failures_total", "model=\"sac\"")).hasValue(0.0);
    }

    private static Path newDirectory() {
        try {
            return Files.createTempDirectory("hotserve-example-follows");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
