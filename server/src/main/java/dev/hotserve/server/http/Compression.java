package dev.hotserve.server.http;

import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncoding;
import io.helidon.http.encoding.ContentEncodingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * {@code Content-Encoding: gzip | deflate} request bodies and compressed answers.
 *
 * <p>Requests are decoded by Helidon, with the two decoders given here (it ships none in the
 * modules we use, and answers an encoded body with an empty 400 without them); {@link RequestBody}
 * then counts the DECODED bytes against the body limit as it reads them, so a gzip bomb stops at
 * the limit, a 413. Helidon is given no encoder: it would compress every answer, errors included,
 * which Triton's client reads without decompressing. Answers are compressed by {@link Endpoint}
 * instead, where the route allows it, for successful answers only.
 *
 * <p>{@code deflate} is the zlib format, as RFC 9110 defines it and as Triton's client sends it.
 */
public final class Compression {

    static final String GZIP = "gzip";
    static final String DEFLATE = "deflate";

    private Compression() {}

    /** The content encodings of the web server: the two decoders, no encoder. */
    public static ContentEncodingContext requestDecoding() {
        return ContentEncodingContext.builder()
                .contentEncodingsDiscoverServices(false)
                .addContentEncoding(new Decoding(GZIP, GZIPInputStream::new))
                .addContentEncoding(new Decoding(DEFLATE, InflaterInputStream::new))
                .build();
    }

    /** Whether the request's body is encoded (anything but {@code identity}). */
    static boolean encoded(Optional<String> contentEncoding) {
        return contentEncoding.map(e -> !e.isBlank() && !e.trim().equalsIgnoreCase("identity")).orElse(false);
    }

    @FunctionalInterface
    private interface Opener {
        InputStream open(InputStream in) throws IOException;
    }

    private record Decoding(String id, Opener opener) implements ContentEncoding {
        @Override
        public Set<String> ids() {
            return Set.of(id);
        }

        @Override
        public boolean supportsEncoding() {
            return false;
        }

        @Override
        public boolean supportsDecoding() {
            return true;
        }

        @Override
        public ContentDecoder decoder() {
            return in -> new Deferred(in, opener);
        }

        @Override
        public ContentEncoder encoder() {
            return ContentEncoder.NO_OP;
        }

        @Override
        public String name() {
            return id;
        }

        @Override
        public String type() {
            return id;
        }
    }

    /**
     * Opens the decoder on the first read, not when Helidon wraps the stream: GZIPInputStream reads
     * its header in its constructor, and a broken header must fail while the handler reads the body
     * (a 400 naming it), not inside Helidon's request setup.
     */
    private static final class Deferred extends InputStream {
        private final InputStream raw;
        private final Opener opener;
        private InputStream decoded;

        Deferred(InputStream raw, Opener opener) {
            this.raw = raw;
            this.opener = opener;
        }

        private InputStream decoded() throws IOException {
            if (decoded == null) {
                decoded = opener.open(raw);
            }
            return decoded;
        }

        @Override
        public int read() throws IOException {
            return decoded().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return decoded().read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (decoded != null) {
                decoded.close();
            } else {
                raw.close();
            }
        }
    }

    /**
     * The encoding to answer with for an {@code Accept-Encoding} value: gzip if accepted, else
     * deflate, else none. A coding with {@code q=0} is refused, as RFC 9110 says.
     */
    static Optional<String> chosen(Optional<String> acceptEncoding) {
        if (acceptEncoding.isEmpty()) {
            return Optional.empty();
        }
        boolean gzip = false;
        boolean deflate = false;
        for (String part : acceptEncoding.get().split(",")) {
            String[] pieces = part.split(";");
            String coding = pieces[0].trim().toLowerCase(Locale.ROOT);
            boolean refused = false;
            for (int i = 1; i < pieces.length; i++) {
                String p = pieces[i].trim().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    refused = p.substring(2).trim().matches("0(\\.0{0,3})?");
                }
            }
            if (!refused) {
                gzip |= coding.equals(GZIP) || coding.equals("x-gzip");
                deflate |= coding.equals(DEFLATE);
            }
        }
        return gzip ? Optional.of(GZIP) : deflate ? Optional.of(DEFLATE) : Optional.empty();
    }

    /** The body compressed with {@code encoding} ({@link #chosen}). */
    static byte[] compress(String encoding, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length / 4));
        try (OutputStream z = encoding.equals(GZIP) ? new GZIPOutputStream(out) : new DeflaterOutputStream(out)) {
            z.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException("compressing an answer in memory", e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
