package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.server.config.ConfigException;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.Setting;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md end to end: one rule for model names wherever a name enters. The repository API
 * answers 400 (never 500) before it reads a body or builds a path; routes to such names are 404
 * and create nothing on disk; a config file naming one does not start.
 */
class ModelNamesTest {

    /** Each one a real probe: NUL, traversal, a leading dot or dash, a separator, too long, reserved, markup. */
    static final List<String> HOSTILE = List.of("pwn%00nul", "..", "a..b", ".hidden", "-x", "a%2Fb", "a%5Cb", "x".repeat(65), "v2", "metrics",
            "%3Cimg%20src%3Dx%3E", "a%0Ab", "%C3%A9t%C3%A9");

    @TempDir
    Path work;

    @Test
    void theRepositoryRefusesEveryHostileNameWithA400AndWritesNothing() throws Exception {
        Path dir = Files.createDirectories(work.resolve("models").resolve("sac"));
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(work, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            for (String name : HOSTILE) {
                HttpResponse<String> r = s.post("/v2/repository/models/" + name + "/load", "{}");
                assertThat(r.statusCode()).as(name + ": " + r.body()).isIn(400, 404);
                if (r.statusCode() == 400) {
                    assertThat(TestServer.json(r).has("error")).as(name + ": " + r.body()).isTrue();
                }
                HttpResponse<String> health = s.get("/" + name + "/health");
                assertThat(health.statusCode()).as(name).isEqualTo(404);
            }
            HttpResponse<String> nul = s.post("/v2/repository/models/pwn%00nul/load", "{\"parameters\":{\"config\":\"{}\"}}");
            assertThat(nul.statusCode()).as(nul.body()).isEqualTo(400);
            assertThat(nul.body()).contains("model name").doesNotContain("\u0000");
            assertThat(s.get("/sac/health").statusCode()).isEqualTo(200);
        }
        try (Stream<Path> all = Files.walk(work)) {
            assertThat(all.filter(p -> !p.startsWith(dir)).map(p -> work.relativize(p).toString()))
                    .as("nothing created for a refused name").containsExactlyInAnyOrder("", "models");
        }
    }

    @Test
    void aConfigFileWithAHostileNameDoesNotStartAndNamesIt() throws Exception {
        for (String name : List.of("a..b", "../etc", "x\ny", "with space", "")) {
            Path file = work.resolve("hotserve.json");
            Files.writeString(file, "{\"models\":[{\"name\":" + TestServer.JSON.valueToTree(name) + ",\"dir\":\"m\"}]}");
            assertThatThrownBy(() -> ConfigLoader.load(Map.of(Setting.CONFIG, file.toString()), Map.of(), work)).as(name)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("models[0]");
        }
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("HOTSERVE_MODEL_NAME", "a..b"), work))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HOTSERVE_MODEL_NAME").hasMessageContaining("'a..b'");
    }
}
