package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "The Open Inference Protocol": the {@code tritonclient.http} example, taken from the
 * README as it is written (only its address changed to the test server's), runs against a real
 * server of the {@code sac} model and prints what its comments say.
 */
class ReadmeTritonExampleTest {

    private static final String ADDRESS = "localhost:8080";

    @TempDir
    Path dir;

    @TempDir
    Path scratch;

    @BeforeEach
    void clientIsThere() throws Exception {
        TritonScripts.requireClient(scratch);
    }

    /** The README's python block that uses Triton's HTTP client; there is exactly one. */
    static String example() throws Exception {
        String readme = Files.readString(TritonScripts.readme(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("```python\n(.*?)```", Pattern.DOTALL).matcher(readme);
        String found = null;
        while (m.find()) {
            if (m.group(1).contains("import tritonclient.http")) {
                assertThat(found).as("more than one tritonclient.http example in README.md").isNull();
                found = m.group(1);
            }
        }
        assertThat(found).as("README.md has a ```python block with tritonclient.http").isNotNull();
        return found;
    }

    @Test
    void theExampleRunsAndPrintsTheActionsTheConfigAndTheCount() throws Exception {
        String code = example();
        assertThat(code).contains(ADDRESS).contains("get_model_config").contains("get_inference_statistics");
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            Path script = Files.writeString(scratch.resolve("readme_example.py"), code.replace(ADDRESS, "127.0.0.1:" + s.server.port()));
            TritonScripts.Result r = TritonScripts.runFile(scratch, script);
            assertThat(r.exit()).as(r.stderr() + r.stdout()).isZero();
            List<String> lines = r.stdout().strip().lines().toList();
            // numpy prints the (3, 1) actions one row a line: [[a]\n [b]\n [c]]
            assertThat(lines).hasSize(4);
            assertThat(String.join("\n", lines.subList(0, 3))).matches("\\[\\[ *-?[0-9.e+-]+]\n \\[ *-?[0-9.e+-]+]\n \\[ *-?[0-9.e+-]+]]");
            assertThat(lines.get(3)).isEqualTo("onnxruntime_onnx 1");
        }
    }
}
