package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compressed request bodies and compressed answers (README, "The Open Inference Protocol"), over real HTTP on a real server. */
class CompressionTest {

    @TempDir
    Path dir;

    private TestServer sac(Map<String, String> extra) {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = new java.util.HashMap<>(extra);
        env.put("HOTSERVE_MODEL_DIR", dir.toString());
        return TestServer.start(dir, env);
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static byte[] zlib(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new DeflaterOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static HttpResponse<byte[]> post(TestServer s, String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.base.resolve(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return s.client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String body() {
        return Oip.infer("state", "FP32", new long[] {2, 28}, Oip.values(56), ",\"outputs\":[{\"name\":\"action\"}]");
    }

    @Test
    void gzipAndDeflateRequestsAnswerAsThePlainOne() throws Exception {
        try (TestServer s = sac(Map.of())) {
            byte[] plain = body().getBytes(StandardCharsets.UTF_8);
            JsonNode expected = TestServer.json(s.post("/v2/models/sac/infer", body())).get("outputs");
            for (var c : Map.of("gzip", gzip(plain), "deflate", zlib(plain)).entrySet()) {
                HttpResponse<byte[]> r = post(s, "/v2/models/sac/infer", c.getValue(), "Content-Encoding", c.getKey());
                assertThat(r.statusCode()).as(c.getKey() + ": " + new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
                assertThat(TestServer.JSON.readTree(r.body()).get("outputs")).as(c.getKey()).isEqualTo(expected);
            }
        }
    }

    @Test
    void aGzipBombIs413AtTheLimitOnItsDecodedBytes() throws Exception {
        try (TestServer s = sac(Map.of("HOTSERVE_MAX_BODY_BYTES", "1048576"))) {
            byte[] bomb = gzip(new byte[64 * 1024 * 1024]); // 64 MiB of zeros, some 64 KiB on the wire
            assertThat(bomb.length).isLessThan(1048576);
            HttpResponse<byte[]> r = post(s, "/v2/models/sac/infer", bomb, "Content-Encoding", "gzip");
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(TestServer.JSON.readTree(r.body()).get("error").asText()).contains("once decoded").contains("1048576");
            assertThat(s.get("/v2/health/live").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aBodyThatIsNotTheEncodingItClaimsIs400() throws Exception {
        try (TestServer s = sac(Map.of())) {
            HttpResponse<byte[]> r = post(s, "/v2/models/sac/infer", "{\"inputs\":[]}".getBytes(StandardCharsets.UTF_8),
                    "Content-Encoding", "gzip");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestServer.JSON.readTree(r.body()).get("error").asText()).contains("Content-Encoding gzip").contains("GZIP");
        }
    }

    @Test
    void protocolAnswersAreGzippedWhenAcceptedAndErrorsAndTheNativeApiAreNot() throws Exception {
        try (TestServer s = sac(Map.of())) {
            HttpResponse<byte[]> r = post(s, "/v2/models/sac/infer", body().getBytes(StandardCharsets.UTF_8), "Accept-Encoding", "gzip");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
            assertThat(r.headers().firstValue("Vary")).hasValue("Accept-Encoding");
            byte[] decoded;
            try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(r.body()))) {
                decoded = in.readAllBytes();
            }
            assertThat(TestServer.JSON.readTree(decoded).get("outputs")).isEqualTo(TestServer.json(s.post("/v2/models/sac/infer", body()))
                    .get("outputs"));

            HttpResponse<String> refused = s.get("/v2/health/live", "Accept-Encoding", "gzip;q=0");
            assertThat(refused.headers().firstValue("Content-Encoding")).isEmpty();
            HttpResponse<String> error = s.post("/v2/models/nope/infer", body(), "Accept-Encoding", "gzip");
            assertThat(error.statusCode()).isEqualTo(404);
            assertThat(error.headers().firstValue("Content-Encoding")).isEmpty();
            assertThat(TestServer.json(error).get("error").asText()).contains("nope");
            HttpResponse<String> health = s.get("/sac/health", "Accept-Encoding", "gzip");
            assertThat(health.headers().firstValue("Content-Encoding")).isEmpty();
        }
    }
}
