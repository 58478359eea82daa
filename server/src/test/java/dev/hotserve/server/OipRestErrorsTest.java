package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input over the Open Inference Protocol's REST: each refusal is {@code {"error": ...}} with the
 * status of README, "The Open Inference Protocol" and a message naming the input, and the server keeps serving. One case per test.
 */
class OipRestErrorsTest {

    @TempDir
    Path dir;

    private TestServer sac(Map<String, String> extra) {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = new java.util.HashMap<>(extra);
        env.put("HOTSERVE_MODEL_DIR", dir.toString());
        return TestServer.start(dir, env);
    }

    /** Posts {@code body} to the sac model's infer, checks status and message, then that a good request still works. */
    private static String refused(TestServer s, String body, int status) {
        HttpResponse<String> r = s.post("/v2/models/sac/infer", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        String error = TestServer.json(r).get("error").asText();
        HttpResponse<String> ok = s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), ""));
        assertThat(ok.statusCode()).isEqualTo(200);
        return error;
    }

    @Test
    void aWrongDatatypeNamesTheInput() {
        try (TestServer s = sac(Map.of())) {
            String e = refused(s, Oip.infer("state", "INT32", new long[] {1, 28}, "[" + "1,".repeat(27) + "1]", ""), 400);
            assertThat(e).contains("'state'").contains("INT32").contains("FP32");
        }
    }

    @Test
    void anUnsupportedDatatypeNameIsRefusedListingTheSupportedOnes() {
        try (TestServer s = sac(Map.of())) {
            String e = refused(s, Oip.infer("state", "BF16", new long[] {1, 28}, Oip.values(28), ""), 400);
            assertThat(e).contains("'state'").contains("BF16").contains("BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES");
        }
    }

    @Test
    void aShapeAndDataLengthMismatchNamesTheInput() {
        try (TestServer s = sac(Map.of())) {
            String e = refused(s, Oip.infer("state", "FP32", new long[] {2, 28}, Oip.values(28), ""), 400);
            assertThat(e).isEqualTo("input 'state': data has 28 values, shape [2, 28] needs 56");
        }
    }

    @Test
    void aShapeTheModelDoesNotTakeNamesTheInput() {
        try (TestServer s = sac(Map.of())) {
            String e = refused(s, Oip.infer("state", "FP32", new long[] {1, 27}, Oip.values(27), ""), 400);
            assertThat(e).contains("'state'").contains("[1, 27]").contains("[-1, 28]");
        }
    }

    /** Asking for the action alone takes the rows' fast path; it refuses the same shapes, in the same words. */
    @Test
    void aShapeTheModelDoesNotTakeNamesTheInputWhenOnlyTheActionIsAskedFor() {
        try (TestServer s = sac(Map.of())) {
            String action = ",\"outputs\":[{\"name\":\"action\"}]";
            String e = refused(s, Oip.infer("state", "FP32", new long[] {3, 27}, Oip.values(81), action), 400);
            assertThat(e).isEqualTo("input 'state' has shape [3, 27], the model takes [-1, 28] (-1: any size)");
            e = refused(s, Oip.infer("state", "FP32", new long[] {3, 28, 1}, Oip.values(84), action), 400);
            assertThat(e).isEqualTo("input 'state' has shape [3, 28, 1], the model takes [-1, 28] (-1: any size)");
            e = refused(s, Oip.infer("state", "FP32", new long[] {84}, Oip.values(84), action), 400);
            assertThat(e).isEqualTo("input 'state' has shape [84], the model takes [-1, 28] (-1: any size)");
        }
    }

    @Test
    void anUnknownInputIsNamed() {
        try (TestServer s = sac(Map.of())) {
            String e = refused(s, "{\"inputs\":[" + Oip.input("state", "FP32", new long[] {1, 28}, Oip.values(28)) + ","
                    + Oip.input("extra", "FP32", new long[] {1}, "[1]") + "]}", 400);
            assertThat(e).contains("unknown input 'extra'").contains("state FP32[-1, 28]");
        }
    }

    @Test
    void aMissingInputIsNamed() {
        try (TestServer s = sac(Map.of())) {
            String e = refused(s, "{\"inputs\":[]}", 400);
            assertThat(e).startsWith("missing input 'state'");
        }
    }

    @Test
    void nanIsRefusedNamingTheInputAndIndex() {
        try (TestServer s = sac(Map.of())) {
            String data = Oip.values(28).replaceFirst("0\\.05", "NaN");
            String e = refused(s, Oip.infer("state", "FP32", new long[] {1, 28}, data, ""), 400);
            assertThat(e).isEqualTo("input 'state': data[5] is NaN; only finite numbers are accepted");
        }
    }

    @Test
    void aHugeShapeIsRefusedBeforeAnythingIsAllocated() {
        try (TestServer s = sac(Map.of())) {
            String e = refused(s, Oip.infer("state", "FP32", new long[] {1_000_000_000_000L, 28}, "[1]", ""), 400);
            assertThat(e).contains("'state'").contains("28000000000000 elements");
            String floaty = refused(s, "{\"inputs\":[{\"name\":\"state\",\"shape\":[1e12,28],\"datatype\":\"FP32\",\"data\":[1]}]}", 400);
            assertThat(floaty).contains("28000000000000 elements");
        }
    }

    @Test
    void aBodyOverTheLimitIs413() {
        try (TestServer s = sac(Map.of("HOTSERVE_MAX_BODY_BYTES", "4096"))) {
            String e = refused(s, Oip.infer("state", "FP32", new long[] {60, 28}, Oip.values(60 * 28), ""), 413);
            assertThat(e).contains("limit is 4096");
        }
    }

    @Test
    void rowsOverTheBatchLimitAre413NamingTheInput() {
        try (TestServer s = sac(Map.of("HOTSERVE_MAX_BATCH_ROWS", "2"))) {
            String e = refused(s, Oip.infer("state", "FP32", new long[] {3, 28}, Oip.values(3 * 28), ""), 413);
            assertThat(e).contains("'state' has 3 rows").contains("HOTSERVE_MAX_BATCH_ROWS");
        }
    }

    @Test
    void anUnknownOutputIsNamed() {
        try (TestServer s = sac(Map.of())) {
            String e = refused(s, Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), ",\"outputs\":[{\"name\":\"q\"}]"), 400);
            assertThat(e).contains("unknown output 'q'").contains("action FP32[-1, 1]");
        }
    }

    @Test
    void aDeterministicParameterThatIsNotABooleanIsNamed() {
        try (TestServer s = sac(Map.of())) {
            String e = refused(s, Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28),
                    ",\"parameters\":{\"deterministic\":\"yes\"}"), 400);
            assertThat(e).contains("parameters.deterministic must be a boolean");
        }
    }

    @Test
    void malformedJsonIs400() {
        try (TestServer s = sac(Map.of())) {
            assertThat(refused(s, "{\"inputs\":[", 400)).startsWith("malformed JSON");
        }
    }

    @Test
    void anUnknownModelIs404ListingTheServedOnes() {
        try (TestServer s = sac(Map.of())) {
            HttpResponse<String> r = s.post("/v2/models/nope/infer", Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), ""));
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(TestServer.json(r).get("error").asText()).isEqualTo("no model 'nope'; served models: sac");
        }
    }

    @Test
    void aModelWithNoLoadedVersionIs503() {
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()))) {
            HttpResponse<String> r = s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), ""));
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(TestServer.json(r).get("error").asText()).contains("no checkpoint");
        }
    }

    @Test
    void inferNeedsTheApiKeyWhenOneIsSet() {
        try (TestServer s = sac(Map.of("HOTSERVE_API_KEY", "user-key"))) {
            String body = Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), "");
            HttpResponse<String> none = s.post("/v2/models/sac/infer", body);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(TestServer.json(none).get("error").asText()).contains("Authorization: Bearer");
            assertThat(s.post("/v2/models/sac/infer", body, "Authorization", "Bearer user-key").statusCode()).isEqualTo(200);
            assertThat(s.get("/v2/health/live").statusCode()).isEqualTo(200); // probes stay public
        }
    }

    @Test
    void theRepositoryNeedsTheAdminKey() {
        try (TestServer s = sac(Map.of("HOTSERVE_API_KEY", "user-key", "HOTSERVE_ADMIN_KEY", "admin-key"))) {
            assertThat(s.post("/v2/repository/index", "", "Authorization", "Bearer user-key").statusCode()).isEqualTo(403);
            assertThat(s.post("/v2/repository/index", "").statusCode()).isEqualTo(401);
            assertThat(s.post("/v2/repository/index", "", "Authorization", "Bearer admin-key").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aWrongMethodIs405NamingTheAllowedOne() {
        try (TestServer s = sac(Map.of())) {
            HttpResponse<String> r = s.get("/v2/models/sac/infer");
            assertThat(r.statusCode()).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).contains("POST");
        }
    }
}
