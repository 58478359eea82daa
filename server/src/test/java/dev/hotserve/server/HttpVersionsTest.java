package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/1.0 requests are answered (as HTTP/1.0, then the socket is closed), and {@code Connection:
 * close} closes the socket after the answer; over a raw socket, as HAProxy's health check and
 * ApacheBench talk.
 */
class HttpVersionsTest {

    /** How long a read may block before the connection counts as left open: a failure, not a wait for something. */
    private static final int READ_TIMEOUT_MS = 20_000;

    @TempDir
    Path dir;

    private TestServer sac() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        return TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
    }

    private static Socket connect(TestServer s) throws IOException {
        Socket socket = new Socket("127.0.0.1", s.server.port());
        socket.setSoTimeout(READ_TIMEOUT_MS);
        return socket;
    }

    /** Everything the server sends until it closes the connection; an AssertionError if it leaves it open. */
    private static String untilClosed(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection was left open after: " + got.toString(StandardCharsets.ISO_8859_1), e);
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    /** One answer read by its Content-Length, the connection left as it is. */
    private static String oneAnswer(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertThat(c).as("answer head so far: " + head).isNotNegative();
            head.append((char) c);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    @Test
    void anHttp10RequestIsAnsweredAsHttp10AndTheConnectionClosed() throws Exception {
        try (TestServer s = sac(); Socket socket = connect(s)) {
            String answer = untilClosed(socket, "GET /sac/health HTTP/1.0\r\nHost: x\r\n\r\n");
            assertThat(answer).startsWith("HTTP/1.0 200 OK\r\n").containsIgnoringCase("Connection: close").contains("\"status\":\"ok\"");
        }
    }

    @Test
    void anHttp10RequestWithoutHostOrWithKeepAliveIsAnsweredToo() throws Exception {
        try (TestServer s = sac()) {
            try (Socket socket = connect(s)) {
                assertThat(untilClosed(socket, "GET /v2/health/live HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 200 OK").endsWith("{\"live\":true}");
            }
            try (Socket socket = connect(s)) {
                // Keep-alive is not kept: the answer says close, as a server may always choose.
                assertThat(untilClosed(socket, "GET /v2/health/live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
                        .startsWith("HTTP/1.0 200 OK").containsIgnoringCase("Connection: close");
            }
        }
    }

    @Test
    void anHttp10PostCarriesItsBodyAndAnErrorIsAnsweredAsWell() throws Exception {
        try (TestServer s = sac()) {
            String body = Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), "");
            try (Socket socket = connect(s)) {
                String answer = untilClosed(socket, "POST /v2/models/sac/infer HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body);
                assertThat(answer).startsWith("HTTP/1.0 200 OK").contains("\"model_name\":\"sac\"");
            }
            try (Socket socket = connect(s)) {
                assertThat(untilClosed(socket, "GET /v2/nope HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 404").contains("{\"error\":");
            }
        }
    }

    @Test
    void connectionCloseOnHttp11ClosesTheSocketAfterTheAnswer() throws Exception {
        try (TestServer s = sac(); Socket socket = connect(s)) {
            String answer = untilClosed(socket, "GET /sac/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(answer).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("Connection: close").endsWith("}");
        }
    }

    @Test
    void http11KeepsTheConnectionForTheNextRequestUntilAskedToClose() throws Exception {
        try (TestServer s = sac(); Socket socket = connect(s)) {
            assertThat(oneAnswer(socket, "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200").endsWith("{\"live\":true}");
            assertThat(oneAnswer(socket, "GET /sac/health HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200").endsWith("}");
            assertThat(untilClosed(socket, "GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200");
        }
    }
}
