package dev.hotserve.server.http;

import dev.hotserve.batch.QueueFullException;
import dev.hotserve.core.NoModelException;
import dev.hotserve.core.NoSuchVersionException;
import dev.hotserve.core.NonFiniteOutputException;
import dev.hotserve.core.ReloadFailedException;
import dev.hotserve.engine.InferenceException;
import io.helidon.http.RequestException;
import io.helidon.webserver.CloseConnectionException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/**
 * The one place where exceptions become status codes: the domain (core, engines) throws typed
 * exceptions and never speaks HTTP.
 *
 * <ul>
 *   <li>{@link HttpError}: its own status (400, 401, 403, 404, 405, 413)
 *   <li>{@link NoModelException}: 503, no model loaded; the rest of the server keeps running
 *   <li>{@link QueueFullException}: 503 with {@code Retry-After}, the model's batch queue is full
 *   <li>{@link ReloadFailedException}: 409, an explicit reload or rollback was refused, the old model still serves
 *   <li>{@link NoSuchVersionException}: 404, a version that is not loaded
 *   <li>{@link NonFiniteOutputException}: 500 naming the version, a version on trial answered NaN (rollout)
 *   <li>{@link IllegalArgumentException}: 400, input the core refused
 *   <li>{@link IllegalStateException}: 503, the model is closed (the server is stopping)
 *   <li>{@link UncheckedIOException}, Helidon's {@link RequestException}, {@link CloseConnectionException}: 400, the request could not be
 *       read (client gone mid-body, broken chunking); logged without a stack trace
 *   <li>{@link InferenceException}: 500, the engine failed on a valid input
 *   <li>anything else: 500, logged with its stack trace; the response says only its type
 * </ul>
 */
public final class ErrorMapper {

    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    private final JsonCodec codec;

    public ErrorMapper(JsonCodec codec) {
        this.codec = codec;
    }

    public Reply toReply(Throwable t, String where) {
        return switch (t) {
            case HttpError e -> new Reply(e.status(), Reply.JSON, codec.detail(e.getMessage()), e.version(), e.headers());
            case NoModelException e -> plain(503, e.getMessage());
            case QueueFullException e -> new Reply(503, Reply.JSON, codec.detail(e.getMessage()), Optional.empty(), Map.of("Retry-After", "1"));
            case ReloadFailedException e -> plain(409, e.getMessage());
            case NoSuchVersionException e -> plain(404, e.getMessage());
            case NonFiniteOutputException e -> new Reply(500, Reply.JSON, codec.detail(e.getMessage()), Optional.of(e.version()), Map.of());
            case IllegalArgumentException e -> plain(400, e.getMessage());
            case IllegalStateException e -> plain(503, e.getMessage());
            case UncheckedIOException e -> unreadable(where, e);
            case RequestException e -> unreadable(where, e);
            case CloseConnectionException e -> unreadable(where, e);
            case InferenceException e -> {
                LOG.log(System.Logger.Level.WARNING, where + ": inference failed", e);
                yield plain(500, "inference failed: " + e.getMessage());
            }
            default -> {
                LOG.log(System.Logger.Level.ERROR, where + ": unexpected error", t);
                yield plain(500, "internal error (" + t.getClass().getSimpleName() + "); see the server log");
            }
        };
    }

    private Reply unreadable(String where, Exception e) {
        LOG.log(System.Logger.Level.DEBUG, () -> where + ": request unreadable: " + e);
        return plain(400, "the request could not be read: " + e.getMessage());
    }

    private Reply plain(int status, String detail) {
        return new Reply(status, Reply.JSON, codec.detail(detail == null ? "(no message)" : detail), Optional.empty(), Map.of());
    }
}
