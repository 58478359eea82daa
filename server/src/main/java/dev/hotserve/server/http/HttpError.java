package dev.hotserve.server.http;

import dev.hotserve.core.ModelVersion;
import dev.hotserve.server.config.Setting;
import java.util.Map;
import java.util.Optional;

/**
 * A request the server refuses, with the status that says why. Handlers throw it; only
 * {@link ErrorMapper} turns it (and every other exception) into a response.
 */
public final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Map<String, String> headers;
    private final transient ModelVersion version;

    private HttpError(int status, String detail, Map<String, String> headers, ModelVersion version) {
        super(detail, null, false, false); // an expected outcome: no stack trace to fill
        this.status = status;
        this.headers = Map.copyOf(headers);
        this.version = version;
    }

    public static HttpError badRequest(String detail) {
        return new HttpError(400, detail, Map.of(), null);
    }

    public static HttpError forbidden(String detail) {
        return new HttpError(403, detail, Map.of(), null);
    }

    public static HttpError notFound(String detail) {
        return new HttpError(404, detail, Map.of(), null);
    }

    public static HttpError methodNotAllowed(String detail, String allow) {
        return new HttpError(405, detail, Map.of("Allow", allow), null);
    }

    public static HttpError tooLarge(String detail) {
        return new HttpError(413, detail, Map.of(), null);
    }

    /** A request body over its limit, {@code size} saying how large it was (or is declared to be). */
    static HttpError bodyTooLarge(long limit, Setting setting, String size) {
        return tooLarge("request body is " + size + "; the limit is " + limit + " bytes (" + setting.env() + ")");
    }

    public static HttpError unavailable(String detail) {
        return new HttpError(503, detail, Map.of(), null);
    }

    public static HttpError serverError(String detail) {
        return new HttpError(500, detail, Map.of(), null);
    }

    /** The same error, naming the model version that was serving when it happened. */
    public HttpError naming(ModelVersion v) {
        return new HttpError(status, getMessage(), headers, v);
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Optional<ModelVersion> version() {
        return Optional.ofNullable(version);
    }
}
