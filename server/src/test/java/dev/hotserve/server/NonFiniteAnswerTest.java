package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model (with no rollout watching it) that answers NaN: JSON has no NaN, so an answer that would
 * carry one as JSON is a 500 naming the output, the index and the version that answered; the same
 * output asked for as binary data carries the NaN as it is. A real server and a real ONNX
 * checkpoint that answers NaN for a state whose first value is negative.
 */
class NonFiniteAnswerTest {

    @TempDir
    Path dir;

    private TestServer nanModel() {
        Checkpoints.publish(dir, "actor_seed0_nan_when_negative.onnx", "model_1.onnx", 1);
        return TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
    }

    private static String state(double first) {
        return Oip.values(28).replaceFirst("^\\[0\\.0", "[" + first);
    }

    @Test
    void anOipJsonAnswerWithANonFiniteValueIs500NamingTheOutputAndTheVersion() {
        try (TestServer s = nanModel()) {
            HttpResponse<String> fine = s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {1, 28}, state(0.5),
                    ",\"outputs\":[{\"name\":\"mean\"}]"));
            assertThat(fine.statusCode()).as(fine.body()).isEqualTo(200);

            HttpResponse<String> r = s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {1, 28}, state(-0.5),
                    ",\"outputs\":[{\"name\":\"mean\"}]"));

            assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
            assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
            assertThat(r.headers().firstValue("X-Model-Version")).contains("model_1");
            assertThat(TestServer.json(r).fieldNames()).toIterable().containsExactly("error");
            assertThat(TestServer.json(r).get("error").asText()).startsWith("the model produced a non-finite value (NaN) in output 'mean' at index ");
        }
    }

    @Test
    void theSameOutputAskedForAsBinaryDataCarriesTheNan() {
        try (TestServer s = nanModel()) {
            HttpResponse<String> r = s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {1, 28}, state(-0.5),
                    ",\"outputs\":[{\"name\":\"mean\",\"parameters\":{\"binary_data\":true}}]"));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).contains("application/octet-stream");
            assertThat(r.headers().firstValue("Inference-Header-Content-Length")).isPresent();
        }
    }

    @Test
    void aNativeActionThatIsNotFiniteIs500WithTheDetail() {
        try (TestServer s = nanModel()) {
            HttpResponse<String> r = s.post("/sac/predict", "{\"state\":" + state(-0.5) + "}");

            assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
            assertThat(r.headers().firstValue("X-Model-Generation")).contains("1");
            assertThat(TestServer.json(r).fieldNames()).toIterable().containsExactly("detail");
            assertThat(TestServer.json(r).get("detail").asText()).startsWith("the model produced a non-finite action (NaN) at index ");
        }
    }
}
