package dev.hotserve.server.http;

import dev.hotserve.server.config.Limits;
import dev.hotserve.server.config.Setting;
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

    /** A request body under the body limit ({@code HOTSERVE_MAX_BODY_BYTES}). */
    static byte[] read(ServerRequest req, Limits limits) {
        return read(req, limits.maxBodyBytes(), Setting.MAX_BODY_BYTES, limits.maxBodyChunks());
    }

    /** A repository load request's body: one config entry, under its own, smaller limit. */
    static byte[] readLoadRequest(ServerRequest req, Limits limits) {
        return read(req, Math.min(limits.maxBodyBytes(), limits.maxLoadBodyBytes()), Setting.MAX_LOAD_BODY_BYTES, limits.maxBodyChunks());
    }

    private static byte[] read(ServerRequest req, long limit, Setting setting, int maxChunks) {
        OptionalLong declared = declaredLength(req);
        // A compressed body is held to the limit on the wire too; its decoded bytes are counted below as they come.
        if (declared.isPresent() && declared.getAsLong() > limit) {
            drain(req);
            throw HttpError.bodyTooLarge(limit, setting, declared.getAsLong() + " bytes");
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        // Helidon's chunked stream hands out at most one chunk per read, so counting the reads of a
        // chunked body bounds the chunks (Triton's CVE-2025-23310 was a flood of 6-byte chunks).
        boolean chunked = declared.isEmpty();
        boolean encoded = Compression.encoded(req.headers().first(HeaderNames.CONTENT_ENCODING));
        try (InputStream in = req.content().inputStream()) { // decoded by Helidon with Compression's decoders
            byte[] buf = new byte[(int) Math.min(limit + 1, declared.orElse(8192) + 1)];
            int n = 0;
            int reads = 0;
            while (true) {
                if (n == buf.length) {
                    if (n > limit) {
                        // A decoded stream is not drained: decompressing more of a bomb is what the limit is for.
                        // Helidon closes the connection after the 413 instead.
                        if (!encoded) {
                            drainRest(in);
                        }
                        throw HttpError.bodyTooLarge(limit, setting, encoded ? "more than " + limit + " bytes once decoded (Content-Encoding "
                                + req.headers().first(HeaderNames.CONTENT_ENCODING).orElse("") + ")" : "more than " + limit + " bytes");
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min(limit + 1, (long) buf.length * 2));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
                if (chunked && ++reads > maxChunks) {
                    // Not drained: draining costs what the flood costs; Helidon closes the connection instead.
                    throw HttpError.badRequest("the chunked request body came in more than " + maxChunks + " chunks (the limit is "
                            + Setting.MAX_BODY_CHUNKS.env() + "); send it with a Content-Length or in larger chunks");
                }
            }
            if (n > limit) {
                throw HttpError.bodyTooLarge(limit, setting, n + " bytes");
            }
            return n == buf.length ? buf : Arrays.copyOf(buf, n);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body" + (encoded ? " (Content-Encoding "
                    + req.headers().first(HeaderNames.CONTENT_ENCODING).orElse("") + ")" : "") + ": " + e.getMessage(), e);
        } catch (HttpError e) {
            throw e;
        } catch (RuntimeException e) {
            // Helidon parses the chunk framing while we read: a chunk size that is not hex, or past
            // 2^32, surfaces here as its parser's exception, and is the client's error.
            String why = String.valueOf(e.getMessage());
            throw HttpError.badRequest("the request body is not well framed (" + e.getClass().getSimpleName() + ": "
                    + (why.length() > 200 ? why.substring(0, 200) + "..." : why) + ")");
        }
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
            long n = Long.parseLong(value.get().trim());
            if (n < 0) {
                throw HttpError.badRequest("Content-Length is negative: '" + value.get() + "'");
            }
            return OptionalLong.of(n);
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
