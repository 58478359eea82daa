package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md on a real port: every limit a client can run into has a setting, and past it the
 * client gets a 4xx naming that setting while the server goes on serving. The server here runs
 * with every limit set low, so each test also proves the setting is read.
 */
class RequestLimitsTest {

    @TempDir
    Path dir;

    TestServer s;

    @BeforeEach
    void start() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        s = TestServer.start(dir, Map.ofEntries(
                Map.entry("HOTSERVE_MODEL_DIR", dir.toString()),
                Map.entry("HOTSERVE_MAX_HEADERS", "20"),
                Map.entry("HOTSERVE_MAX_URL_BYTES", "512"),
                Map.entry("HOTSERVE_MAX_HEADER_BYTES", "2048"),
                Map.entry("HOTSERVE_MAX_BODY_CHUNKS", "100"),
                Map.entry("HOTSERVE_IDLE_TIMEOUT", "1s"),
                Map.entry("HOTSERVE_MAX_INPUTS", "1"),
                Map.entry("HOTSERVE_MAX_TENSOR_ELEMENTS", "1000"),
                Map.entry("HOTSERVE_MAX_LOAD_BODY_BYTES", "1KiB"),
                Map.entry("HOTSERVE_MAX_EVENT_STREAMS", "8")));
    }

    @AfterEach
    void stop() {
        s.close();
    }

    private void stillServes() {
        assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);
    }

    private static String[] headers(int n) {
        String[] h = new String[2 * n];
        for (int i = 0; i < n; i++) {
            h[2 * i] = "X-Probe-" + i;
            h[2 * i + 1] = "v";
        }
        return h;
    }

    @Test
    void moreHeadersThanTheLimitAreA431NamingTheSetting() {
        assertThat(s.get("/sac/health", headers(10)).statusCode()).isEqualTo(200);

        HttpResponse<String> r = s.get("/sac/health", headers(40));
        assertThat(r.statusCode()).isEqualTo(431);
        assertThat(TestServer.json(r).path("detail").asText()).contains("HOTSERVE_MAX_HEADERS").contains("limit is 20");
        HttpResponse<String> oip = s.get("/v2/health/ready", headers(40));
        assertThat(oip.statusCode()).isEqualTo(431);
        assertThat(TestServer.json(oip).path("error").asText()).as("the OIP's error body on /v2").contains("HOTSERVE_MAX_HEADERS");
        stillServes();
    }

    @Test
    void aRequestLineOrHeadersPastTheirByteLimitsAreA4xx() {
        assertThat(s.get("/sac/health?" + "a".repeat(300)).statusCode()).isEqualTo(200);
        assertThat(s.get("/sac/health?" + "a".repeat(1000)).statusCode()).isBetween(400, 499);
        assertThat(s.get("/sac/health", "X-Big", "b".repeat(1000)).statusCode()).isEqualTo(200);
        assertThat(s.get("/sac/health", "X-Big", "b".repeat(4000)).statusCode()).isBetween(400, 499);
        stillServes();
    }

    /** Sends {@code body} as chunks of {@code chunkBytes} and returns the whole answer (the request asks to close). */
    private String chunked(String body, int chunkBytes) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        byte[] b = body.getBytes(StandardCharsets.US_ASCII);
        for (int off = 0; off < b.length; off += chunkBytes) {
            int n = Math.min(chunkBytes, b.length - off);
            wire.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            wire.write(b, off, n);
            wire.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        wire.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(("POST /sac/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(wire.toByteArray());
                out.flush();
            } catch (IOException closedEarly) {
                // the server may answer and close before it has read everything: its answer is what counts
            }
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aChunkedBodyInMoreChunksThanTheLimitIsRefused() throws IOException {
        String body = TestServer.predictBody(28, 0.1);
        assertThat(chunked(body, 16)).as("a valid body in %d chunks", body.length() / 16 + 1).startsWith("HTTP/1.1 200");

        String answer = chunked(body + " ".repeat(2000), 1);
        assertThat(answer).as("the same body, padded, in one-byte chunks").startsWith("HTTP/1.1 400").contains("HOTSERVE_MAX_BODY_CHUNKS");
        stillServes();
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            socket.setSoTimeout(60_000); // HOTSERVE_IDLE_TIMEOUT is 1s here; Helidon's own default would be 5 minutes
            socket.getOutputStream().write("GET /sac/health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] head = new byte[12];
            assertThat(in.readNBytes(head, 0, 12)).isEqualTo(12);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            // Whatever else of the answer arrives, then the end of the stream: the server closed the idle connection.
            in.readAllBytes();
        }
        stillServes();
    }

    private String inputName() {
        return TestServer.json(s.get("/v2/models/sac")).get("inputs").get(0).get("name").asText();
    }

    @Test
    void moreInputsThanTheLimitAreA400NamingTheSetting() {
        String one = Oip.input(inputName(), "FP32", new long[] {1, 28}, Oip.values(28));
        HttpResponse<String> r = s.post("/v2/models/sac/infer", "{\"inputs\":[" + one + "," + one + "]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(TestServer.json(r).path("error").asText()).contains("more than 1 inputs").contains("HOTSERVE_MAX_INPUTS");
        assertThat(s.post("/v2/models/sac/infer", "{\"inputs\":[" + one + "]}").statusCode()).isEqualTo(200);
    }

    @Test
    void aTensorOfMoreElementsThanTheLimitIsA400BeforeItsDataIsRead() {
        // 2,000,000 elements declared, 28 sent: refused on the shape, nothing allocated for it.
        HttpResponse<String> r = s.post("/v2/models/sac/infer", Oip.infer(inputName(), "FP32", new long[] {1000, 2000}, Oip.values(28), ""));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(TestServer.json(r).path("error").asText()).contains("2000000 elements").contains("HOTSERVE_MAX_TENSOR_ELEMENTS");
        stillServes();
    }

    @Test
    void aRepositoryLoadBodyPastItsLimitIsA413() {
        String config = "{\\\"dir\\\": \\\"" + "d".repeat(2000) + "\\\"}";
        HttpResponse<String> r = s.post("/v2/repository/models/other/load", "{\"parameters\": {\"config\": \"" + config + "\"}}");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(TestServer.json(r).path("error").asText()).contains("HOTSERVE_MAX_LOAD_BODY_BYTES");
        assertThat(TestServer.json(s.post("/v2/repository/index", "{}")).findValuesAsText("name")).containsExactly("sac");
    }

    @Test
    void eventStreamsFollowTheirSetting() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest stream = HttpRequest.newBuilder(s.base.resolve("/ui/stream")).timeout(Duration.ofSeconds(30)).build();
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            HttpResponse<InputStream> first = client.send(stream, HttpResponse.BodyHandlers.ofInputStream());
            open.add(first);
            assertThat(first.statusCode()).isEqualTo(200);
            HttpResponse<String> refused = client.send(stream, HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as("8 streams in all leaves one client an eighth: 1").isEqualTo(503);
            JsonNode body = TestServer.json(refused);
            assertThat(body.path("detail").asText()).contains("already has 1 dashboard streams open");
        } finally {
            for (HttpResponse<InputStream> r : open) {
                r.body().close();
            }
        }
        stillServes();
    }
}
