package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** the acceptance scenarios: a ragged or wrong-width batch gets 400 naming the row; the server keeps serving. */
class Scenario4BatchValidationTest {

    @TempDir
    Path dir;

    @Test
    void raggedAndWrongWidthBatchesAre400NamingTheRow() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        String row28 = row(28);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            HttpResponse<String> ragged = s.post("/sac/predict/batch", "{\"states\":[" + row28 + "," + row28 + "," + row(27) + "]}");
            assertThat(ragged.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(ragged).get("detail").asText()).isEqualTo("states[2] has 27 values, expected 28");

            HttpResponse<String> wrongWidth = s.post("/sac/predict/batch", "{\"states\":[" + row(29) + "]}");
            assertThat(wrongWidth.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(wrongWidth).get("detail").asText()).isEqualTo("states[0] has 29 values, expected 28");

            HttpResponse<String> empty = s.post("/sac/predict/batch", "{\"states\":[]}");
            assertThat(empty.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(empty).get("detail").asText()).contains("empty");

            HttpResponse<String> ok = s.post("/sac/predict/batch", "{\"states\":[" + row28 + "," + row28 + "," + row28 + "]}");
            assertThat(ok.statusCode()).isEqualTo(200);
            JsonNode j = TestServer.json(ok);
            assertThat(j.get("actions")).hasSize(3);
            assertThat(j.get("actions").get(0).isNumber()).isTrue();
            assertThat(j.get("generation").asLong()).isEqualTo(1);
        }
    }

    static String row(int width) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < width; i++) {
            b.append(i == 0 ? "" : ",").append(0.01 * i);
        }
        return b.append(']').toString();
    }
}
