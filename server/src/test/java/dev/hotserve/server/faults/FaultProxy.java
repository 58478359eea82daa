package dev.hotserve.server.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * An HTTP/1.1 proxy on loopback between hotserve's S3 client and the store, which breaks the
 * store's answers on demand: refused connections, connections closed at once, 500 and 503 answers,
 * slow bodies, bodies cut short (the length announced, then the connection closed), bodies short
 * but consistent (a smaller {@code Content-Length}), a wrong {@code ETag}. It forwards a request's
 * bytes unchanged, so the AWS signature (over the {@code Host} the client sent) still verifies.
 *
 * <p>One request per client connection: every answer says {@code Connection: close}, so a fault
 * never leaves a half-read response on a kept-alive connection for the next request to trip on.
 */
final class FaultProxy implements AutoCloseable {

    /** What happens to a request the fault's filter selects. */
    enum Fault {
        NONE,
        /** Nothing listens on the port: connections are refused. */
        UNREACHABLE,
        /** Accepted, then closed before a byte is answered. */
        RESET,
        HTTP_500,
        HTTP_503,
        /** The store's answer, a few KiB at a time with a pause between. */
        SLOW,
        /** The store's head with its full length, half the body, then the connection closed. */
        TRUNCATED,
        /** Half the body, with a {@code Content-Length} that says so. */
        SHORT_BODY,
        /** The store's answer with another {@code ETag}. */
        WRONG_ETAG
    }

    private static final String OTHER_ETAG = "\"0123456789abcdef0123456789abcdef\"";

    private final int storePort;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong faulted = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile Fault fault = Fault.NONE;
    private volatile Predicate<String> selects = line -> true;
    private volatile long slowPauseMs = 20;
    private ServerSocket server;
    private Thread acceptor;

    FaultProxy(int storePort) {
        this.storePort = storePort;
        this.port = ServerProcess.freePort();
        listen();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * From now on, requests whose request line ({@code GET /bucket/key?query HTTP/1.1}) passes
     * {@code filter} get {@code f}; the others pass unharmed.
     */
    synchronized void inject(Fault f, Predicate<String> filter) {
        selects = filter;
        fault = f;
        if (f == Fault.UNREACHABLE) {
            stopListening();
        } else {
            listen();
        }
    }

    void inject(Fault f) {
        inject(f, line -> true);
    }

    /** Heals: every request passes, and the port listens. */
    void heal() {
        inject(Fault.NONE);
    }

    /** The pause between 4 KiB blocks of a {@link Fault#SLOW} answer. */
    void slowPause(long ms) {
        slowPauseMs = ms;
    }

    /** Requests a fault was applied to so far (refused connections not counted: nothing arrives). */
    long faulted() {
        return faulted.get();
    }

    /** Requests the store answered through this proxy so far. */
    long forwarded() {
        return forwarded.get();
    }

    private synchronized void listen() {
        if (server != null) {
            return;
        }
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            server = s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + port + " again", e);
        }
        ServerSocket s = server;
        acceptor = Thread.ofPlatform().daemon().name("fault-proxy-accept").start(() -> accept(s));
    }

    private synchronized void stopListening() {
        if (server == null) {
            return;
        }
        closeQuietly(server);
        server = null;
        for (Socket c : open) {
            closeQuietly(c);
        }
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                open.add(client);
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return; // closed: unreachable, or the proxy is done
            }
        }
    }

    private void serve(Socket client) {
        try (client; Socket store = new Socket()) {
            client.setSoTimeout(60_000);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] head = readHead(in);
            if (head == null) {
                return;
            }
            String headText = new String(head, StandardCharsets.ISO_8859_1);
            String line = headText.substring(0, headText.indexOf("\r\n"));
            long bodyLength = contentLength(headText);
            byte[] body = bodyLength > 0 ? in.readNBytes((int) bodyLength) : new byte[0];
            Fault f = selects.test(line) ? fault : Fault.NONE;
            if (f != Fault.NONE) {
                faulted.incrementAndGet();
            }
            switch (f) {
                case RESET, UNREACHABLE -> {
                    return;
                }
                case HTTP_500, HTTP_503 -> {
                    answerError(out, f == Fault.HTTP_500 ? 500 : 503, line.startsWith("HEAD "));
                    return;
                }
                default -> {
                    // forwarded below, the answer changed as the fault says
                }
            }
            store.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), storePort), 5_000);
            store.setSoTimeout(60_000);
            open.add(store);
            OutputStream toStore = store.getOutputStream();
            toStore.write(head);
            toStore.write(body);
            toStore.flush();
            InputStream fromStore = store.getInputStream();
            byte[] answerHead = readHead(fromStore);
            if (answerHead == null) {
                return;
            }
            forwarded.incrementAndGet();
            relay(line, new String(answerHead, StandardCharsets.ISO_8859_1), fromStore, out, f);
        } catch (IOException e) {
            // a side closed: the client sees a cut connection, which is the point of some faults
        } finally {
            open.remove(client);
        }
    }

    /** Sends the store's answer on, changed as {@code f} says. */
    private void relay(String requestLine, String answerHead, InputStream fromStore, OutputStream out, Fault f) throws IOException {
        String[] lines = answerHead.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        boolean bodiless = requestLine.startsWith("HEAD ") || status == 204 || status == 304 || status / 100 == 1;
        long length = contentLength(answerHead);
        boolean chunked = answerHead.toLowerCase(Locale.ROOT).contains("\r\ntransfer-encoding: chunked");
        long send = length;
        if (!bodiless && length > 0 && (f == Fault.TRUNCATED || f == Fault.SHORT_BODY)) {
            send = length / 2;
        }
        StringBuilder h = new StringBuilder(lines[0]).append("\r\n");
        for (int i = 1; i < lines.length; i++) {
            String name = lines[i].substring(0, Math.max(0, lines[i].indexOf(':'))).trim().toLowerCase(Locale.ROOT);
            if (name.equals("connection")) {
                continue;
            }
            if (name.equals("etag") && f == Fault.WRONG_ETAG) {
                h.append("ETag: ").append(OTHER_ETAG).append("\r\n");
            } else if (name.equals("content-length") && f == Fault.SHORT_BODY && !bodiless) {
                h.append("Content-Length: ").append(send).append("\r\n");
            } else {
                h.append(lines[i]).append("\r\n");
            }
        }
        h.append("Connection: close\r\n\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (bodiless) {
            return;
        }
        if (chunked) {
            relayChunked(fromStore, out, f);
        } else if (length >= 0) {
            copy(fromStore, out, send, f);
        } else {
            copy(fromStore, out, Long.MAX_VALUE, f);
        }
        out.flush();
    }

    private void copy(InputStream from, OutputStream to, long bytes, Fault f) throws IOException {
        byte[] buf = new byte[4096];
        long left = bytes;
        while (left > 0) {
            int n = from.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                return;
            }
            to.write(buf, 0, n);
            to.flush();
            left -= n;
            if (f == Fault.SLOW) {
                sleep(slowPauseMs);
            }
        }
    }

    /** A chunked body, chunk by chunk up to the last one and its trailers (cut in half under TRUNCATED). */
    private void relayChunked(InputStream from, OutputStream to, Fault f) throws IOException {
        long passed = 0;
        while (true) {
            String sizeLine = readLine(from);
            if (sizeLine == null) {
                return;
            }
            long size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
            if (f == Fault.TRUNCATED && passed > 0) {
                return; // one chunk through, then the connection closes
            }
            to.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (size == 0) {
                for (String t; (t = readLine(from)) != null; ) {
                    to.write((t + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    if (t.isEmpty()) {
                        return;
                    }
                }
                return;
            }
            copy(from, to, size, f);
            passed += size;
            String crlf = readLine(from);
            to.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            if (crlf == null) {
                return;
            }
        }
    }

    private static void answerError(OutputStream out, int status, boolean head) throws IOException {
        String reason = status == 500 ? "Internal Server Error" : "Service Unavailable";
        String code = status == 500 ? "InternalError" : "ServiceUnavailable";
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>injected by the test</Message></Error>")
                .getBytes(StandardCharsets.UTF_8);
        String h = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        out.write(h.getBytes(StandardCharsets.ISO_8859_1));
        if (!head) {
            out.write(body);
        }
        out.flush();
    }

    /** A message head up to and including its blank line; null when the peer closed first. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        for (int c; (c = in.read()) != -1; ) {
            b.write(c);
            if (c == '\r' && (matched == 0 || matched == 2) || c == '\n' && (matched == 1 || matched == 3)) {
                matched++;
            } else {
                matched = c == '\r' ? 1 : 0;
            }
            if (matched == 4) {
                return b.toByteArray();
            }
            if (b.size() > 64 * 1024) {
                throw new IOException("a head over 64 KiB");
            }
        }
        return null;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return null;
    }

    private static long contentLength(String head) {
        for (String l : head.split("\r\n")) {
            int colon = l.indexOf(':');
            if (colon > 0 && l.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Long.parseLong(l.substring(colon + 1).trim());
            }
        }
        return -1;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms); // the slow store's pace, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing is best effort
        }
    }

    @Override
    public String toString() {
        return "FaultProxy[" + fault + ", faulted " + faulted.get() + ", forwarded " + forwarded.get() + "]";
    }

    @Override
    public synchronized void close() {
        stopListening();
    }
}
