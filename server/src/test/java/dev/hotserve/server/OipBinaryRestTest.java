package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binary tensor data over real HTTP, byte for byte, on a real server: the answers' framing, the raw request, hostile sizes. */
class OipBinaryRestTest {

    @TempDir
    Path dir;

    private TestServer sac() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        return TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
    }

    private static byte[] floats(int n) {
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat((float) (0.01 * i)); // as Oip.values writes them in JSON
        }
        return b.array();
    }

    private static HttpResponse<byte[]> post(TestServer s, String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.base.resolve(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return s.client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] concat(String json, byte[] blob) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(blob);
        return out.toByteArray();
    }

    private static String error(HttpResponse<byte[]> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return TestServer.JSON.readTree(r.body()).get("error").asText();
    }

    @Test
    void binaryOutputsComeAfterTheJsonHeaderWithItsLengthAndTheSameValuesAsJson() throws Exception {
        try (TestServer s = sac()) {
            String header = "{\"inputs\":[{\"name\":\"state\",\"shape\":[2,28],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":224}}],"
                    + "\"outputs\":[{\"name\":\"action\",\"parameters\":{\"binary_data\":true}},{\"name\":\"mean\"}]}";
            HttpResponse<byte[]> r = post(s, "/v2/models/sac/infer", concat(header, floats(56)),
                    "Inference-Header-Content-Length", Integer.toString(header.length()));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
            JsonNode head = TestServer.JSON.readTree(Arrays.copyOf(r.body(), jsonLength));
            assertThat(head.get("outputs").get(0).get("parameters").get("binary_data_size").asInt()).isEqualTo(8);
            assertThat(head.get("outputs").get(1).has("data")).isTrue(); // mean: JSON, as it did not ask otherwise
            assertThat(r.body().length).isEqualTo(jsonLength + 8);
            ByteBuffer blob = ByteBuffer.wrap(r.body(), jsonLength, 8).order(ByteOrder.LITTLE_ENDIAN);

            JsonNode json = TestServer.json(s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {2, 28}, Oip.values(56),
                    ",\"outputs\":[{\"name\":\"action\"}]")));
            JsonNode action = json.get("outputs").get(0).get("data");
            assertThat(blob.getFloat()).isEqualTo(action.get(0).floatValue());
            assertThat(blob.getFloat()).isEqualTo(action.get(1).floatValue());
        }
    }

    @Test
    void aRawBinaryRequestIsTheOneInputWithItsRowsFromItsSize() throws Exception {
        try (TestServer s = sac()) {
            HttpResponse<byte[]> r = post(s, "/v2/models/sac/infer", floats(3 * 28), "Inference-Header-Content-Length", "0");
            assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
            JsonNode j = TestServer.JSON.readTree(r.body());
            assertThat(j.get("outputs").get(2).get("shape").toString()).isEqualTo("[3,1]");

            HttpResponse<byte[]> bad = post(s, "/v2/models/sac/infer", floats(30), "Inference-Header-Content-Length", "0");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(error(bad)).contains("input 'state'").contains("120 bytes");
        }
    }

    @Test
    void hostileFramingIs400NamingWhatIsWrongAndTheServerStaysUp() throws Exception {
        try (TestServer s = sac()) {
            String header = "{\"inputs\":[{\"name\":\"state\",\"shape\":[1,28],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":112}}]}";
            byte[] good = concat(header, floats(28));
            String n = Integer.toString(header.length());
            record Case(byte[] body, String length, String says) {
                Case(String header, byte[] blob, String says) {
                    this(concat(header, blob), Integer.toString(header.length()), says);
                }
            }
            for (Case c : new Case[] {
                    new Case(good, "-5", "must not be negative"),
                    new Case(good, "abc", "non-negative integer"),
                    new Case(good, Integer.toString(good.length + 1), "past the end"),
                    new Case(Arrays.copyOf(good, good.length - 4), n, "input 'state': binary_data_size 112 runs past the end of the body"),
                    new Case(header, floats(29), "add up to 112"),
                    new Case(header.replace("[1,28]", "[2,28]"), floats(56), "input 'state': binary_data_size is 112"),
                    new Case(header.replace("[1,28]", "[4294967296,4294967296,28]"), floats(28), "input 'state'"),
                    new Case(header.replace("112", "-112"), floats(28), "input 'state'")}) {
                HttpResponse<byte[]> r = post(s, "/v2/models/sac/infer", c.body(), "Inference-Header-Content-Length", c.length());
                assertThat(r.statusCode()).as(c.says()).isEqualTo(400);
                assertThat(error(r)).as(c.says()).contains(c.says());
            }
            HttpResponse<byte[]> ok = post(s, "/v2/models/sac/infer", good, "Inference-Header-Content-Length", n);
            assertThat(ok.statusCode()).isEqualTo(200);
        }
    }
}
