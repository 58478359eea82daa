package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README, "Every route, with curl": a body or a batch over the configured limits is 413 with a JSON detail; the server keeps serving. */
class LimitsTest {

    @TempDir
    Path dir;
    TestServer s;

    @BeforeEach
    void start() {
        s = TestServer.start(dir, Map.of("HOTSERVE_MAX_BODY_BYTES", "2KiB", "HOTSERVE_MAX_BATCH_ROWS", "4"));
    }

    @AfterEach
    void stop() {
        s.close();
    }

    @Test
    void aBodyOverTheLimitWithContentLengthIs413() {
        HttpResponse<String> r = s.post("/sac/predict", "{\"state\":[" + "0.0,".repeat(1000) + "0.0]}");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(TestServer.json(r).get("detail").asText()).contains("2048 bytes");
        assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() {
        byte[] big = ("{\"state\":[" + "0.0,".repeat(1000) + "0.0]}").getBytes(StandardCharsets.UTF_8);
        // ofInputStream has no known length, so the client sends it chunked.
        HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.base.resolve("/sac/predict"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(TestServer.json(r).get("detail").asText()).contains("2048 bytes");
        assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);
    }

    @Test
    void aBatchOverTheRowLimitIs413AndOneAtTheLimitIsServed() {
        String row = Scenario4BatchValidationTest.row(28);
        HttpResponse<String> r = s.post("/sac/predict/batch", "{\"states\":[" + String.join(",", java.util.Collections.nCopies(5, row)) + "]}");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(TestServer.json(r).get("detail").asText()).contains("more than 4 rows");
        HttpResponse<String> ok = s.post("/sac/predict/batch", "{\"states\":[" + String.join(",", java.util.Collections.nCopies(4, row)) + "]}");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(TestServer.json(ok).get("actions")).hasSize(4);
    }
}
