package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md on a real socket: requests shaped to exhaust a parser (Triton's CVE-2025-23310 was
 * ~3 MB of tiny chunks overflowing a stack) each get a 4xx status line, and the server serves the
 * next request as before.
 */
class HostileHttpTest {

    @TempDir
    Path dir;

    TestServer s;

    @BeforeEach
    void start() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
    }

    @AfterEach
    void stop() {
        s.close();
    }

    /** Sends {@code head} then {@code body} (written as it goes, the server may answer early) and returns the status line. */
    private String exchange(String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            try {
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                for (int off = 0; off < body.length; off += 64 * 1024) {
                    out.write(body, off, Math.min(64 * 1024, body.length - off));
                }
                out.flush();
            } catch (IOException closedEarly) {
                // the server may answer and close before it has read everything: its answer is what counts
            }
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int c; (c = in.read()) != -1 && c != '\n'; ) {
                line.write(c);
            }
            return line.toString(StandardCharsets.ISO_8859_1).trim();
        }
    }

    private void stillServes() {
        assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);
    }

    private static int status(String statusLine) {
        assertThat(statusLine).as("a status line").startsWith("HTTP/1.1 ");
        return Integer.parseInt(statusLine.substring(9, 12));
    }

    @Test
    void aHundredThousandTinyChunksAreA4xx() throws IOException {
        // A valid predict body padded to 100,000 bytes, one byte per chunk: only the chunk limit refuses it.
        String body = TestServer.predictBody(28, 0.1);
        body += " ".repeat(100_000 - body.length());
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        for (int i = 0; i < body.length(); i++) {
            chunks.writeBytes(("1\r\n" + body.charAt(i) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        chunks.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String line = exchange("POST /sac/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                chunks.toByteArray());
        assertThat(status(line)).as(line).isBetween(400, 499);
        stillServes();
    }

    @Test
    void aHugeRequestLineIsA4xx() throws IOException {
        String line = exchange("GET /sac/health?" + "a".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", new byte[0]);
        assertThat(status(line)).as(line).isBetween(400, 499);
        stillServes();
    }

    @Test
    void tooManyOrTooLargeHeadersAreA4xx() throws IOException {
        StringBuilder many = new StringBuilder("GET /sac/health HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 5_000; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        String manyLine = exchange(many.append("\r\n").toString(), new byte[0]);
        assertThat(status(manyLine)).as(manyLine).isBetween(400, 499);
        String large = exchange("GET /sac/health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(200_000) + "\r\n\r\n", new byte[0]);
        assertThat(status(large)).as(large).isBetween(400, 499);
        stillServes();
    }

    /** The first answer to {@code request}: status line, headers and the body its Content-Length gives, as text. */
    private String answer(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return head.toString();
                }
                head.append((char) c);
            }
            Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
            return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aMalformedChunkSizeIsA400NotA500() throws IOException {
        for (String size : new String[] {"zz", "FFFFFFFFFFFFFFFFFF"}) {
            String a = answer("POST /sac/predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + size + "\r\n{}\r\n0\r\n\r\n");
            assertThat(a).as(size).startsWith("HTTP/1.1 400").contains("not well framed");
        }
        stillServes();
    }

    @Test
    void aNegativeContentLengthIsA400() throws IOException {
        String a = answer("POST /sac/predict HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n");
        assertThat(a).startsWith("HTTP/1.1 400");
        stillServes();
    }

    @Test
    void aBodyFramedTwoWaysIsRefused() throws IOException {
        String both = answer("POST /sac/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n0\r\n\r\n");
        assertThat(both).startsWith("HTTP/1.1 400").contains("both Content-Length and Transfer-Encoding");
        String two = answer("POST /sac/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}");
        assertThat(two).startsWith("HTTP/1.1 400").contains("Content-Length values that differ");
        stillServes();
    }
}
