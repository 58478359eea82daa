package dev.hotserve.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.common.buffers.BufferData;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The rewriting of an HTTP/1.0 head for Helidon's HTTP/1.1 connection, and of the answer's status line. */
class Http10SelectorTest {

    private static String rewrite(String head) {
        return new String(Http10Selector.rewriteHead(head.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1);
    }

    @Test
    void theVersionBecomes11AHostIsAddedAndConnectionIsClose() {
        assertThat(rewrite("GET /x HTTP/1.0\r\n\r\n")).isEqualTo("GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(rewrite("GET /x HTTP/1.0\r\nhost: h\r\nConnection: keep-alive\r\nKeep-Alive: 5\r\nA: b\r\n\r\n"))
                .isEqualTo("GET /x HTTP/1.1\r\nhost: h\r\nA: b\r\nConnection: close\r\n\r\n");
    }

    @Test
    void theBodyAfterTheHeadIsKeptByteForByte() {
        assertThat(rewrite("POST /x HTTP/1.0\r\nContent-Length: 4\r\n\r\n\r\n\r\n"))
                .isEqualTo("POST /x HTTP/1.1\r\nContent-Length: 4\r\nHost: localhost\r\nConnection: close\r\n\r\n\r\n\r\n");
    }

    @Test
    void aHeadThatDoesNotEndOrIsNotHttp10IsPassedOnAsItIs() {
        assertThat(rewrite("GET /x HTTP/1.0\r\nHost: h\r\n")).isEqualTo("GET /x HTTP/1.0\r\nHost: h\r\n");
        assertThat(rewrite("GET /x HTTP/1.1\r\n\r\n")).isEqualTo("GET /x HTTP/1.1\r\n\r\n");
    }

    @Test
    void theStatusLineIsWrittenAsHttp10() {
        BufferData b = Http10Selector.asHttp10(BufferData.create("HTTP/1.1 200 OK\r\n"));
        byte[] out = new byte[b.available()];
        b.read(out);
        assertThat(new String(out, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.0 200 OK\r\n");
    }
}
