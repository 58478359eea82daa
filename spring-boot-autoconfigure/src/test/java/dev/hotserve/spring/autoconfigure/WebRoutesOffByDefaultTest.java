package dev.hotserve.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotserve.core.HotModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Without {@code hotserve.web.enabled} the model is a bean, and the application's web server has none of its routes. */
@SpringBootTest(classes = WebRoutesOffByDefaultTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Closed after the class rather than by the JVM's shutdown hooks, which race ONNX Runtime's own (see the example's tests).
@DirtiesContext
class WebRoutesOffByDefaultTest {

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
    }

    @Value("${local.server.port}")
    private int port;

    @Autowired
    private ApplicationContext context;

    @Test
    void theModelServesAsABeanButNoRouteIsMounted() throws IOException, InterruptedException {
        HotModel sac = context.getBean("sac", HotModel.class);
        assertThat(sac.current()).isPresent();
        assertThat(context.getBeansOfType(HotserveWebMapping.class)).isEmpty();

        HttpClient client = HttpClient.newHttpClient();
        for (String path : new String[] {"/sac/health", "/v2/models/sac", "/v2/health/live"}) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(404);
        }
        HttpResponse<String> predict = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sac/predict"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"state\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(predict.statusCode()).isEqualTo(404);
    }

    /** IDEs complete the switch and show its default from the configuration processor's metadata. */
    @Test
    void theSwitchIsDocumentedInTheConfigurationMetadata() throws IOException {
        try (var in = getClass().getClassLoader().getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            JsonNode web = StreamSupport.stream(new ObjectMapper().readTree(in).get("properties").spliterator(), false)
                    .filter(p -> p.get("name").asText().equals("hotserve.web.enabled")).findFirst().orElseThrow();
            assertThat(web.get("type").asText()).isEqualTo("java.lang.Boolean");
            assertThat(web.get("defaultValue").asBoolean(true)).isFalse();
            assertThat(web.get("description").asText()).contains("/<model>/predict");
        }
    }
}
