package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Open Inference Protocol over REST, one route or behaviour per test, on real models and a real server. */
class OipRestTest {

    @TempDir
    Path dir;

    private TestServer sac() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        return TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
    }

    private static String state(JsonNode ref, int rows) {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            b.append(r == 0 ? "" : ",").append(ref.get("inputs").get(r));
        }
        return "[" + b + "]";
    }

    @Test
    void liveIsAlwaysTrue() {
        try (TestServer s = sac()) {
            HttpResponse<String> r = s.get("/v2/health/live");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(r).get("live").asBoolean()).isTrue();
        }
    }

    @Test
    void readyIs200WhenEveryModelServes() {
        try (TestServer s = sac()) {
            HttpResponse<String> r = s.get("/v2/health/ready");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(r).get("ready").asBoolean()).isTrue();
        }
    }

    @Test
    void readyIs503WhileAModelHasNoVersion() {
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            HttpResponse<String> r = s.get("/v2/health/ready");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(TestServer.json(r).get("ready").asBoolean()).isFalse();
        }
    }

    @Test
    void serverMetadataNamesTheServerAndItsWorkingExtensions() {
        try (TestServer s = sac()) {
            JsonNode j = TestServer.json(s.get("/v2"));
            assertThat(j.get("name").asText()).isEqualTo("hotserve");
            assertThat(j.get("version").asText()).isNotEmpty();
            assertThat(j.get("extensions")).extracting(JsonNode::asText)
                    .containsExactly("binary_tensor_data", "model_repository", "statistics", "model_configuration");
        }
    }

    @Test
    void modelMetadataGivesVersionPlatformAndTensorsWithVariableBatch() {
        try (TestServer s = sac()) {
            HttpResponse<String> r = s.get("/v2/models/sac");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode j = TestServer.json(r);
            assertThat(j.get("name").asText()).isEqualTo("sac");
            assertThat(j.get("versions")).extracting(JsonNode::asText).containsExactly("model_1");
            assertThat(j.get("platform").asText()).isEqualTo("onnxruntime_onnx");
            assertThat(j.get("inputs").toString()).isEqualTo("[{\"name\":\"state\",\"datatype\":\"FP32\",\"shape\":[-1,28]}]");
            assertThat(j.get("outputs")).extracting(o -> o.get("name").asText()).containsExactly("mean", "log_std", "action");
            assertThat(j.get("outputs").get(2).get("shape").toString()).isEqualTo("[-1,1]");
        }
    }

    @Test
    void torchScriptModelsAreNamedInputZeroAndTheirPlatform() throws Exception {
        Oip.install(Checkpoints.fixture("actor_seed0.pt"), dir, "model_1.pt");
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            JsonNode j = TestServer.json(s.get("/v2/models/sac"));
            assertThat(j.get("platform").asText()).isEqualTo("pytorch_torchscript");
            assertThat(j.get("inputs").get(0).get("name").asText()).isEqualTo("INPUT__0");
            assertThat(j.get("outputs")).extracting(o -> o.get("name").asText()).containsExactly("OUTPUT__0", "OUTPUT__1", "action");
        }
    }

    @Test
    void aLoadedVersionAndTheLabelsLatestAndStableAnswer() {
        try (TestServer s = sac()) {
            for (String v : new String[] {"model_1", "latest", "stable"}) {
                assertThat(s.get("/v2/models/sac/versions/" + v).statusCode()).as(v).isEqualTo(200);
                assertThat(s.get("/v2/models/sac/versions/" + v + "/ready").statusCode()).as(v).isEqualTo(200);
            }
        }
    }

    @Test
    void anUnloadedVersionIs404ListingTheLoadedOnes() {
        try (TestServer s = sac()) {
            HttpResponse<String> r = s.post("/v2/models/sac/versions/model_0/infer", Oip.infer("state", "FP32", new long[] {1, 28},
                    Oip.values(28), ""));
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(TestServer.json(r).get("error").asText()).contains("'model_0'").contains("loaded versions: model_1");
        }
    }

    @Test
    void theCandidateLabelIs404UntilARolloutExists() {
        try (TestServer s = sac()) {
            HttpResponse<String> r = s.get("/v2/models/sac/versions/candidate");
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(TestServer.json(r).get("error").asText()).contains("no candidate");
        }
    }

    @Test
    void modelReadyIs200ForAServingModelAnd404ForAnUnknownOne() {
        try (TestServer s = sac()) {
            HttpResponse<String> ok = s.get("/v2/models/sac/ready");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(ok).get("ready").asBoolean()).isTrue();
            HttpResponse<String> unknown = s.get("/v2/models/nope/ready");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(TestServer.json(unknown).get("error").asText()).contains("no model 'nope'").contains("sac");
        }
    }

    @Test
    void modelReadyIs503WhileTheModelHasNoVersion() {
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            assertThat(s.get("/v2/models/sac/ready").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void inferWithFlatDataEchoesTheIdAndGivesEveryOutputPlusTheAction() {
        JsonNode ref = Oip.reference("actor_seed0").get("batch64");
        try (TestServer s = sac()) {
            String body = "{\"id\":\"req-7\",\"inputs\":[" + Oip.input("state", "FP32", new long[] {2, 28}, Oip.flat(
                    TestServer.JSON.valueToTree(java.util.List.of(ref.get("inputs").get(0), ref.get("inputs").get(1))))) + "]}";
            HttpResponse<String> r = s.post("/v2/models/sac/infer", body);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode j = TestServer.json(r);
            assertThat(j.get("model_name").asText()).isEqualTo("sac");
            assertThat(j.get("model_version").asText()).isEqualTo("model_1");
            assertThat(j.get("id").asText()).isEqualTo("req-7");
            assertThat(j.get("outputs")).extracting(o -> o.get("name").asText()).containsExactly("mean", "log_std", "action");
            JsonNode action = j.get("outputs").get(2);
            assertThat(action.get("datatype").asText()).isEqualTo("FP32");
            assertThat(action.get("shape").toString()).isEqualTo("[2,1]");
            assertThat(action.get("data").get(1).asDouble()).isCloseTo(ref.get("action").get(1).get(0).asDouble(), within(1e-5));
            assertThat(j.get("outputs").get(0).get("data").get(0).asDouble())
                    .isCloseTo(ref.get("mean").get(0).get(0).asDouble(), within(1e-5));
            assertThat(r.headers().firstValue("X-Model-Version")).contains("model_1");
            assertThat(r.headers().firstValue("X-Model-Generation")).contains("1");
            assertThat(r.headers().firstValue("X-Model-Path")).contains(dir.resolve("model_1.onnx").toString());
        }
    }

    @Test
    void nestedDataGivesTheSameAnswerAsFlatData() {
        JsonNode ref = Oip.reference("actor_seed0").get("batch64");
        try (TestServer s = sac()) {
            String nested = state(ref, 3);
            String flat = Oip.flat(TestServer.JSON.valueToTree(java.util.List.of(ref.get("inputs").get(0), ref.get("inputs").get(1),
                    ref.get("inputs").get(2))));
            JsonNode a = TestServer.json(s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {3, 28}, nested, "")));
            JsonNode b = TestServer.json(s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {3, 28}, flat, "")));
            assertThat(a.get("outputs")).isEqualTo(b.get("outputs"));
            assertThat(a.get("id")).isNull();
        }
    }

    @Test
    void dataMayComeBeforeShapeAndDatatype() {
        try (TestServer s = sac()) {
            String body = "{\"inputs\":[{\"data\":" + Oip.values(28) + ",\"name\":\"state\",\"shape\":[1,28],\"datatype\":\"FP32\"}]}";
            HttpResponse<String> r = s.post("/v2/models/sac/infer", body);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(r).get("outputs").get(2).get("shape").toString()).isEqualTo("[1,1]");
        }
    }

    @Test
    void requestedOutputsAreTheOnlyOnesGivenInTheirOrder() {
        try (TestServer s = sac()) {
            JsonNode j = TestServer.json(s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28),
                    ",\"outputs\":[{\"name\":\"action\"},{\"name\":\"log_std\"}]")));
            assertThat(j.get("outputs")).extracting(o -> o.get("name").asText()).containsExactly("action", "log_std");
        }
    }

    @Test
    void aSeededStochasticActionIsReproducibleAndDiffersFromTheDeterministicOne() {
        try (TestServer s = sac()) {
            String params = ",\"parameters\":{\"deterministic\":false,\"seed\":42},\"outputs\":[{\"name\":\"action\"}]";
            String body = Oip.infer("state", "FP32", new long[] {4, 28}, Oip.values(4 * 28), params);
            JsonNode a = TestServer.json(s.post("/v2/models/sac/infer", body)).get("outputs").get(0).get("data");
            JsonNode b = TestServer.json(s.post("/v2/models/sac/infer", body)).get("outputs").get(0).get("data");
            JsonNode det = TestServer.json(s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {4, 28},
                    Oip.values(4 * 28), ",\"outputs\":[{\"name\":\"action\"}]"))).get("outputs").get(0).get("data");
            assertThat(a).isEqualTo(b);
            assertThat(a).isNotEqualTo(det);
        }
    }

    @Test
    void everyDatatypeGoesThroughRestOnTheTypedModel() throws Exception {
        Oip.install(Oip.tensorFixture("types.onnx"), dir, "model_types.onnx");
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_MODEL_NAME", "types"))) {
            long[] shape = {1, 3};
            String body = "{\"inputs\":[" + String.join(",",
                    Oip.input("x_fp32", "FP32", shape, "[0.5,1,2]"),
                    Oip.input("x_fp64", "FP64", shape, "[0.25,1,1e300]"),
                    Oip.input("x_int32", "INT32", shape, "[[1,-2,2147483646]]"),
                    Oip.input("x_int64", "INT64", shape, "[1,2,1099511627776]"),
                    Oip.input("x_bool", "BOOL", shape, "[true,false,true]")) + "]}";
            HttpResponse<String> r = s.post("/v2/models/types/infer", body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode out = TestServer.json(r).get("outputs");
            assertThat(out.get(0).get("data").toString()).isEqualTo("[2.0,3.0,5.0]");
            assertThat(out.get(1).get("data").toString()).isEqualTo("[0.5,2.0,2.0E300]");
            assertThat(out.get(2).get("data").toString()).isEqualTo("[2,-1,2147483647]");
            assertThat(out.get(3).get("data").toString()).isEqualTo("[3,6,3298534883328]");
            assertThat(out.get(4).get("data").toString()).isEqualTo("[false,true,false]");
            assertThat(out).extracting(o -> o.get("datatype").asText()).containsExactly("FP32", "FP64", "INT32", "INT64", "BOOL");
            assertThat(TestServer.json(s.get("/v2/models/types")).get("outputs")).hasSize(5); // no action: not a policy
        }
    }

    @Test
    void theNativeRoutesRefuseAModelThatIsNotARowModelPointingToInfer() throws Exception {
        Oip.install(Oip.tensorFixture("types.onnx"), dir, "model_types.onnx");
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_MODEL_NAME", "types"))) {
            HttpResponse<String> r = s.post("/types/predict", "{\"state\":[1,2,3]}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(r).get("detail").asText()).contains("/v2/models/types/infer");
        }
    }

    @Test
    void aTorchScriptModelWithADeclaredSignatureServesNamedTensors() throws Exception {
        Oip.install(Oip.tensorFixture("types.pt"), dir, "model_types.pt");
        assertThat(Files.exists(dir.resolve("model_types.pt.json"))).isTrue();
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_MODEL_NAME", "types"))) {
            long[] shape = {1, 3};
            String body = "{\"inputs\":[" + String.join(",",
                    Oip.input("x_fp32", "FP32", shape, "[0.5,1,2]"),
                    Oip.input("x_fp64", "FP64", shape, "[0.25,1,3]"),
                    Oip.input("x_int32", "INT32", shape, "[1,-2,3]"),
                    Oip.input("x_int64", "INT64", shape, "[1,2,3]"),
                    Oip.input("x_bool", "BOOL", shape, "[true,false,true]")) + "],\"outputs\":[{\"name\":\"y_int64\"}]}";
            HttpResponse<String> r = s.post("/v2/models/types/infer", body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(TestServer.json(r).get("outputs").get(0).get("data").toString()).isEqualTo("[3,6,9]");
        }
    }
}
