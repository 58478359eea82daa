package dev.hotserve.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 keep-alive client on one socket, for drivers that time single requests in a
 * tight loop: java.net.http adds its own executor hops and ~100 µs per call, which would blur a
 * sub-millisecond reload latency. It understands exactly what our servers send: a status line,
 * headers and a {@code Content-Length} body (no chunking, which it rejects loudly).
 */
final class MiniHttp implements AutoCloseable {

    /** One response: status, lower-cased header names, body. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    MiniHttp(String host, int port) {
        this.host = host;
        this.port = port;
    }

    Response post(String path, byte[] json) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length + "\r\n\r\n";
        return exchange(head.getBytes(StandardCharsets.US_ASCII), json);
    }

    Response get(String path) throws IOException {
        String head = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n";
        return exchange(head.getBytes(StandardCharsets.US_ASCII), new byte[0]);
    }

    private Response exchange(byte[] head, byte[] body) throws IOException {
        try {
            return exchangeOnce(head, body);
        } catch (IOException e) {
            // The server may close an idle keep-alive connection: reconnect once, then give up.
            closeQuietly();
            return exchangeOnce(head, body);
        }
    }

    private Response exchangeOnce(byte[] head, byte[] body) throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        }
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        out.write(request);
        out.flush();
        String statusLine = readLine();
        if (statusLine == null) {
            throw new IOException("connection closed before a status line");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new HashMap<>();
        for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        if (headers.containsKey("transfer-encoding")) {
            throw new IOException("chunked responses are not supported by this driver: " + headers);
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] content = in.readNBytes(length);
        if (content.length != length) {
            throw new IOException("body cut short: " + content.length + " of " + length + " bytes");
        }
        if ("close".equalsIgnoreCase(headers.get("connection"))) {
            closeQuietly();
        }
        return new Response(status, headers, content);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int n = line.size();
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, n > 0 && bytes[n - 1] == '\r' ? n - 1 : n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private void closeQuietly() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Closing a broken socket can fail; the next exchange opens a fresh one.
            }
        }
        socket = null;
        in = null;
        out = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
