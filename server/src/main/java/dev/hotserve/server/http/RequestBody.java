package dev.hotserve.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads a request body into memory under the size limit: a declared Content-Length over it is
 * refused before reading, and a chunked body is counted as it arrives. A refused body is drained
 * (up to a bound) so the client, still sending, reads a clean 413 instead of a reset connection.
 * A compressed body ({@link Compression}) is counted as it is decoded: the limit is on its decoded
 * bytes.
 */
final class RequestBody {

    /** Past this many bytes a refused body is not drained: the connection is closed instead. */
    private static final long DRAIN_LIMIT = 64L * 1024 * 1024;

    private RequestBody() {}

    static byte[] read(ServerRequest req, long limit) {
        OptionalLong declared = declaredLength(req);
        // A compressed body is held to the limit on the wire too; its decoded bytes are counted below as they come.
        if (declared.isPresent() && declared.getAsLong() > limit) {
            drain(req);
            throw tooLarge(limit, declared.getAsLong() + " bytes");
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        boolean encoded = Compression.encoded(req.headers().first(HeaderNames.CONTENT_ENCODING));
        try (InputStream in = req.content().inputStream()) { // decoded by Helidon with Compression's decoders
            byte[] buf = new byte[(int) Math.min(limit + 1, declared.orElse(8192) + 1)];
            int n = 0;
            while (true) {
                if (n == buf.length) {
                    if (n > limit) {
                        // A decoded stream is not drained: decompressing more of a bomb is what the limit is for.
                        // Helidon closes the connection after the 413 instead.
                        if (!encoded) {
                            drainRest(in);
                        }
                        throw tooLarge(limit, encoded ? "more than " + limit + " bytes once decoded (Content-Encoding "
                                + req.headers().first(HeaderNames.CONTENT_ENCODING).orElse("") + ")" : "more than " + limit + " bytes");
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min(limit + 1, (long) buf.length * 2));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            if (n > limit) {
                throw tooLarge(limit, n + " bytes");
            }
            return n == buf.length ? buf : Arrays.copyOf(buf, n);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body" + (encoded ? " (Content-Encoding "
                    + req.headers().first(HeaderNames.CONTENT_ENCODING).orElse("") + ")" : "") + ": " + e.getMessage(), e);
        }
    }

    private static HttpError tooLarge(long limit, String size) {
        return HttpError.tooLarge("request body is " + size + "; the limit is " + limit + " bytes (HOTSERVE_MAX_BODY_BYTES)");
    }

    /**
     * Content-Length read as text: Helidon's typed {@code contentLength()} goes through its header
     * mapper registry on every call, which showed in the profile of the predict route.
     */
    private static OptionalLong declaredLength(ServerRequest req) {
        Optional<String> value = req.headers().first(HeaderNames.CONTENT_LENGTH);
        if (value.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value.get().trim()));
        } catch (NumberFormatException e) {
            throw HttpError.badRequest("Content-Length is not a number: '" + value.get() + "'");
        }
    }

    private static void drain(ServerRequest req) {
        if (declaredLength(req).orElse(0) > DRAIN_LIMIT) {
            return; // Helidon closes the connection after the response
        }
        try (InputStream in = req.content().inputStream()) {
            drainRest(in);
        } catch (IOException | RuntimeException e) {
            // The client went away mid-body; the 413 is still the answer, if it can be read.
        }
    }

    private static void drainRest(InputStream in) {
        try {
            byte[] sink = new byte[64 * 1024];
            long total = 0;
            int r;
            while (total < DRAIN_LIMIT && (r = in.read(sink)) >= 0) {
                total += r;
            }
        } catch (IOException e) {
            // as above
        }
    }
}
