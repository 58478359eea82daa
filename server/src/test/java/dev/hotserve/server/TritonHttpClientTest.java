package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's own HTTP client ({@code tritonclient.http}, unmodified, with its defaults unless the
 * scenario says otherwise) against a real server on the committed ONNX fixtures. Every answer it
 * got is compared with the answer to the same request sent as plain JSON.
 */
class TritonHttpClientTest {

    @TempDir
    Path dir;

    @TempDir
    Path scratch;

    @BeforeEach
    void clientIsThere() throws Exception {
        TritonScripts.requireClient(scratch);
    }

    private TestServer sac() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        return TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
    }

    private static String datatype(String numpyDtype) {
        return switch (numpyDtype) {
            case "float32" -> "FP32";
            case "float64" -> "FP64";
            case "int32" -> "INT32";
            case "int64" -> "INT64";
            case "bool" -> "BOOL";
            default -> throw new AssertionError("no datatype for numpy " + numpyDtype);
        };
    }

    /** The same inputs as the script sent, as one JSON request; its outputs by name. */
    private static Map<String, JsonNode> asJson(TestServer s, String model, Map<String, JsonNode> inputs) {
        ObjectNode body = TestServer.JSON.createObjectNode();
        ArrayNode in = body.putArray("inputs");
        inputs.forEach((name, t) -> in.addObject().put("name", name).put("datatype", datatype(t.get("dtype").asText()))
                .<ObjectNode>set("shape", t.get("shape")).set("data", t.get("data")));
        HttpResponse<String> r = s.post("/v2/models/" + model + "/infer", body.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        Map<String, JsonNode> outputs = new java.util.LinkedHashMap<>();
        for (JsonNode o : TestServer.json(r).get("outputs")) {
            outputs.put(o.get("name").asText(), o);
        }
        return outputs;
    }

    /** The values of one output as the client decoded them against the JSON answer's, exactly, per datatype. */
    private static void assertSameValues(String output, JsonNode fromClient, JsonNode fromJson) {
        assertThat(fromClient.get("shape")).as(output + " shape").isEqualTo(fromJson.get("shape"));
        String type = fromJson.get("datatype").asText();
        assertThat(datatype(fromClient.get("dtype").asText())).as(output + " datatype").isEqualTo(type);
        JsonNode a = fromClient.get("data");
        JsonNode b = fromJson.get("data");
        assertThat(a.size()).as(output + " size").isEqualTo(b.size()).isPositive();
        for (int i = 0; i < a.size(); i++) {
            String at = output + "[" + i + "]";
            switch (type) {
                case "FP32" -> assertThat((float) a.get(i).asDouble()).as(at).isEqualTo((float) b.get(i).asDouble());
                case "FP64" -> assertThat(a.get(i).asDouble()).as(at).isEqualTo(b.get(i).asDouble());
                case "BOOL" -> assertThat(a.get(i).asBoolean()).as(at).isEqualTo(b.get(i).asBoolean());
                default -> assertThat(a.get(i).asLong()).as(at).isEqualTo(b.get(i).asLong());
            }
        }
    }

    private static Map<String, JsonNode> fields(JsonNode object) {
        Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    @Test
    void inferWithTheClientsDefaultsSendsBinaryInputsAndGetsBinaryOutputsEqualToJson() throws Exception {
        try (TestServer s = sac()) {
            JsonNode got = TritonScripts.run(scratch, s, "infer_defaults.py", "5");
            for (JsonNode o : got.get("response").get("outputs")) {
                // Binary, as the client asked: a size and no data in the JSON header.
                assertThat(o.get("parameters").get("binary_data_size").asInt()).as(o.toString()).isEqualTo(5 * 4);
                assertThat(o.has("data")).isFalse();
            }
            Map<String, JsonNode> json = asJson(s, "sac", Map.of("state", got.get("input")));
            assertThat(json.keySet()).containsExactly("mean", "log_std", "action");
            fields(got.get("outputs")).forEach((name, values) -> assertSameValues(name, values, json.get(name)));
        }
    }

    @Test
    void jsonAndBinaryInputsMixWithSomeOutputsBinaryAndSomeJsonOnEveryDatatype() throws Exception {
        Oip.install(Oip.tensorFixture("types.onnx"), dir, "model_types.onnx");
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_MODEL_NAME", "types"))) {
            JsonNode got = TritonScripts.run(scratch, s, "infer_mixed.py");
            Map<String, JsonNode> header = new java.util.LinkedHashMap<>();
            for (JsonNode o : got.get("response").get("outputs")) {
                header.put(o.get("name").asText(), o);
            }
            assertThat(header.keySet()).containsExactly("y_fp32", "y_fp64", "y_int32", "y_int64", "y_bool");
            for (String binary : new String[] {"y_fp32", "y_fp64", "y_bool"}) {
                assertThat(header.get(binary).has("parameters")).as(binary).isTrue();
                assertThat(header.get(binary).has("data")).as(binary).isFalse();
            }
            for (String json : new String[] {"y_int32", "y_int64"}) {
                assertThat(header.get(json).has("data")).as(json).isTrue();
            }
            Map<String, JsonNode> json = asJson(s, "types", fields(got.get("inputs")));
            fields(got.get("outputs")).forEach((name, values) -> assertSameValues(name, values, json.get(name)));
            // INT64 beyond 2^53 went through the JSON input and came back exact: 3 * (2^53 + 1).
            assertThat(got.get("outputs").get("y_int64").get("data").get(4).asLong()).isEqualTo(3 * 9007199254740993L);
        }
    }

    @Test
    void refusalsReachTheClientAs400WithAMessageNamingTheInput() throws Exception {
        try (TestServer s = sac()) {
            JsonNode got = TritonScripts.run(scratch, s, "infer_errors.py");
            for (String scenario : new String[] {"wrong_width", "unknown_input", "wrong_datatype", "non_finite_json"}) {
                assertThat(got.get(scenario).get("status").asText()).as(scenario).isEqualTo("400");
            }
            assertThat(got.get("wrong_width").get("message").asText()).contains("input 'state'").contains("[2, 27]");
            assertThat(got.get("unknown_input").get("message").asText()).contains("'observation'");
            assertThat(got.get("wrong_datatype").get("message").asText()).contains("input 'state'").contains("FP64");
            assertThat(got.get("non_finite_json").get("message").asText()).contains("input 'state'").contains("NaN");
        }
    }

    @Test
    void compressedRequestsAndGzippedAnswersDecodeToTheSameValues() throws Exception {
        try (TestServer s = sac()) {
            for (String algorithm : new String[] {"gzip", "deflate"}) {
                JsonNode got = TritonScripts.run(scratch, s, "infer_compressed.py", algorithm);
                Map<String, JsonNode> json = asJson(s, "sac", Map.of("state", got.get("input")));
                assertSameValues("action (" + algorithm + ")", got.get("outputs").get("action"), json.get("action"));
            }
        }
    }

    @Test
    void asyncInferAnswersEveryRequestInFlightWithItsOwnValues() throws Exception {
        try (TestServer s = sac()) {
            JsonNode got = TritonScripts.run(scratch, s, "infer_async.py");
            assertThat(got).hasSize(8);
            for (int k = 0; k < got.size(); k++) {
                JsonNode answer = got.get(k);
                assertThat(answer.get("id").asText()).isEqualTo(Integer.toString(k));
                Map<String, JsonNode> json = asJson(s, "sac", Map.of("state", answer.get("input")));
                assertSameValues("action of request " + k, answer.get("outputs").get("action"), json.get("action"));
            }
        }
    }
}
