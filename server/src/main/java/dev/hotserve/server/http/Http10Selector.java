package dev.hotserve.server.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.Bytes;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * HTTP/1.0 requests, which Helidon 4 does not serve: its HTTP/1 selector takes only lines ending
 * in {@code HTTP/1.1}, so a 1.0 request (HAProxy's {@code option httpchk}, ApacheBench, {@code curl
 * --http1.0}) got the connection closed without a word.
 *
 * <p>This selector takes the connections whose first line ends in {@code HTTP/1.0} and hands them
 * to Helidon's own HTTP/1.1 connection, with the request's head rewritten on the way in (the
 * version, a {@code Host} if it had none, and {@code Connection: close}: one request per
 * connection, which HTTP/1.0 without keep-alive means and which a server may always choose) and
 * the answer's status line written back as {@code HTTP/1.0}. {@link ConnectionClose} then closes
 * the socket after the answer. Everything past the head (the body) passes through untouched.
 *
 * <p>Not covered: a first line split across TCP segments before its end (Helidon's selector claims
 * the connection first), keep-alive on HTTP/1.0, and streamed (chunked) answers, which an HTTP/1.0
 * client cannot read; every API answer has a Content-Length.
 */
public final class Http10Selector implements ServerConnectionSelector {

    private static final String VERSION_10 = " HTTP/1.0\r";
    /** Past this many bytes without the end of the head, it is passed on as it is, for Helidon to refuse. */
    private static final int MAX_HEAD = 64 * 1024;

    private final Http1ConnectionSelector http1;
    private final int maxPrologue;

    public Http10Selector(Http1Config config) {
        this.http1 = Http1ConnectionSelector.builder().config(config).build();
        this.maxPrologue = config.maxPrologueLength();
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData request) {
        int lf = request.indexOf(Bytes.LF_BYTE);
        if (lf < 0) {
            return request.available() <= maxPrologue ? Support.UNKNOWN : Support.UNSUPPORTED;
        }
        // Read as Helidon's own selector reads it; the connection handler rewinds the buffer after each selector.
        return request.readString(lf).endsWith(VERSION_10) ? Support.SUPPORTED : Support.UNSUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of(); // never negotiated by ALPN: HTTP/1.0 is recognised by its first line only
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return http1.connection(new Rewritten(ctx));
    }

    /** The request head as Helidon's HTTP/1.1 connection will read it. */
    static byte[] rewriteHead(byte[] head) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        int firstLineEnd = text.indexOf("\r\n");
        if (end < 0 || !text.substring(0, firstLineEnd).endsWith(" HTTP/1.0")) {
            return head;
        }
        StringBuilder b = new StringBuilder(head.length + 40);
        b.append(text, 0, firstLineEnd - "1.0".length()).append("1.1\r\n");
        boolean host = false;
        for (String line : text.substring(firstLineEnd + 2, end + 2).split("\r\n")) {
            String name = line.contains(":") ? line.substring(0, line.indexOf(':')).trim().toLowerCase(Locale.ROOT) : "";
            if (name.equals("connection") || name.equals("keep-alive")) {
                continue; // replaced by close, below
            }
            host |= name.equals("host");
            if (!line.isEmpty()) {
                b.append(line).append("\r\n");
            }
        }
        if (!host) {
            b.append("Host: localhost\r\n"); // HTTP/1.0 made it optional; HTTP/1.1, and so Helidon, requires one
        }
        b.append("Connection: close\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length() + head.length - end - 4);
        out.writeBytes(b.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(head, end + 4, head.length - end - 4);
        return out.toByteArray();
    }

    /** The answer's first bytes with the status line's version as HTTP/1.0 ({@code HTTP/1.1 200 OK} -> {@code HTTP/1.0 200 OK}). */
    static BufferData asHttp10(BufferData first) {
        byte[] bytes = new byte[first.available()];
        first.copy().read(bytes);
        if (bytes.length > 8 && new String(bytes, 0, 8, StandardCharsets.US_ASCII).equals("HTTP/1.1")) {
            bytes[7] = '0';
        }
        return BufferData.create(bytes);
    }

    /** The connection's context with the head rewritten on the way in and the status line on the way out. */
    private static final class Rewritten implements ConnectionContext {
        private final ConnectionContext ctx;
        private final DataReader reader;
        private final DataWriter writer;

        Rewritten(ConnectionContext ctx) {
            this.ctx = ctx;
            DataReader original = ctx.dataReader();
            this.reader = new DataReader(new Supplier<>() {
                private boolean headGiven;

                @Override
                public byte[] get() {
                    if (!headGiven) {
                        headGiven = true;
                        return rewriteHead(readHead(original));
                    }
                    try {
                        original.ensureAvailable();
                    } catch (DataReader.InsufficientDataAvailableException e) {
                        return null; // the end of the stream, as DataReader's supplier says it
                    }
                    return original.readBytes(original.available());
                }
            });
            DataWriter out = ctx.dataWriter();
            this.writer = new DataWriter() {
                private boolean statusWritten;

                private BufferData first(BufferData b) {
                    if (statusWritten) {
                        return b;
                    }
                    statusWritten = true;
                    return asHttp10(b);
                }

                private BufferData[] first(BufferData[] b) {
                    if (!statusWritten && b.length > 0) {
                        b = b.clone();
                        b[0] = first(b[0]);
                    }
                    return b;
                }

                @Override
                public void write(BufferData... buffers) {
                    out.write(first(buffers));
                }

                @Override
                public void write(BufferData buffer) {
                    out.write(first(buffer));
                }

                @Override
                public void writeNow(BufferData... buffers) {
                    out.writeNow(first(buffers));
                }

                @Override
                public void writeNow(BufferData buffer) {
                    out.writeNow(first(buffer));
                }
            };
        }

        /** The request's head, up to and with its blank line (or what came before the stream ended, or MAX_HEAD bytes). */
        private static byte[] readHead(DataReader in) {
            ByteArrayOutputStream head = new ByteArrayOutputStream(512);
            int matched = 0; // of \r\n\r\n
            try {
                while (matched < 4 && head.size() < MAX_HEAD) {
                    byte c = in.read();
                    head.write(c);
                    matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
                }
            } catch (DataReader.InsufficientDataAvailableException e) {
                // the client stopped mid-head: Helidon refuses what there is
            }
            // Bytes the client sent with the head (a body) were buffered with it: keep them after it.
            if (in.available() > 0) {
                head.writeBytes(in.readBytes(in.available()));
            }
            return head.toByteArray();
        }

        @Override
        public ListenerContext listenerContext() {
            return ctx.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return ctx.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return writer;
        }

        @Override
        public DataReader dataReader() {
            return reader;
        }

        @Override
        public Router router() {
            return ctx.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return ctx.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return ctx.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return ctx.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return ctx.localPeer();
        }

        @Override
        public boolean isSecure() {
            return ctx.isSecure();
        }

        @Override
        public String socketId() {
            return ctx.socketId();
        }

        @Override
        public String childSocketId() {
            return ctx.childSocketId();
        }
    }
}
