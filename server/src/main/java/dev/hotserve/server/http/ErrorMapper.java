package dev.hotserve.server.http;

import dev.hotserve.batch.QueueFullException;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.NonFiniteOutputException;
import dev.hotserve.server.codec.JsonKit;
import dev.hotserve.server.inference.AccessDeniedException;
import dev.hotserve.server.inference.FailedOnVersion;
import dev.hotserve.server.inference.Failure;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where exceptions become HTTP responses. The sorting itself is {@link Failure#of}, shared with
 * the gRPC front end; this adds only what is HTTP's own:
 *
 * <ul>
 *   <li>{@link HttpError}: its own status (400 malformed JSON, 404 no route, 405, 413 body, ...)
 *   <li>{@link UncheckedIOException}, and the web server's own exceptions of the kind (Helidon's, for the standalone
 *       server): 400, the request could not be read (client gone mid-body, broken chunking); logged without a stack trace
 *   <li>401 answers carry a {@code WWW-Authenticate} challenge; a full batch queue's 503 a {@code Retry-After}
 *   <li>a failure while a version was leased ({@link FailedOnVersion}) names that version in the headers; a
 *       {@link NonFiniteOutputException} names the version on trial that answered it
 * </ul>
 * The body is {@code {"detail": ...}} on the native routes and {@code {"error": ...}} on the Open
 * Inference Protocol's. Nothing here depends on a web server, so an application's own
 * ({@link RestApi}) answers failures as the standalone server does.
 */
public final class ErrorMapper {

    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    /** The error body's one field. */
    public enum Style {
        /** The native API: {@code {"detail": ...}} */
        DETAIL("detail"),
        /** The Open Inference Protocol: {@code {"error": ...}} */
        ERROR("error");

        final String field;

        Style(String field) {
            this.field = field;
        }
    }

    private final JsonKit json;
    private final Predicate<Throwable> unreadable;

    /** @param unreadable which of the web server's own exceptions mean that the request could not be read */
    public ErrorMapper(JsonKit json, Predicate<Throwable> unreadable) {
        this.json = json;
        this.unreadable = unreadable;
    }

    /** A failure's HTTP status: the same sorting as gRPC's ({@code grpc.GrpcStatus}), HTTP's codes. */
    public static int status(Failure.Kind kind) {
        return switch (kind) {
            case BAD_INPUT -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case INTERNAL -> 500;
            case UNAVAILABLE -> 503;
        };
    }

    public Reply toReply(Throwable t, String where, Style style) {
        Throwable cause = t instanceof FailedOnVersion f && f.getCause() != null ? f.getCause() : t;
        // A version on trial that answered NaN is named, not necessarily the one asked for.
        ModelVersion version = cause instanceof NonFiniteOutputException n ? n.version() : t instanceof FailedOnVersion f ? f.version() : null;
        switch (cause) {
            case HttpError e -> {
                return new Reply(e.status(), Reply.JSON, json.object(style.field, e.getMessage()),
                        e.version().or(() -> Optional.ofNullable(version)), e.headers());
            }
            case UncheckedIOException e -> {
                return unreadable(where, e, style);
            }
            case Exception e when unreadable.test(e) -> {
                return unreadable(where, e, style);
            }
            default -> {
                Failure f = Failure.of(cause, where);
                Map<String, String> headers = Map.of();
                if (f.kind() == Failure.Kind.UNAUTHENTICATED) {
                    boolean invalid = f.accessReason() == AccessDeniedException.Reason.INVALID_KEY;
                    headers = Map.of("WWW-Authenticate", "Bearer realm=\"hotserve\"" + (invalid ? ", error=\"invalid_token\"" : ""));
                } else if (cause instanceof QueueFullException) {
                    headers = Map.of("Retry-After", "1");
                }
                String message = f.message() == null ? "(no message)" : f.message();
                return new Reply(status(f.kind()), Reply.JSON, json.object(style.field, message), Optional.ofNullable(version),
                        headers);
            }
        }
    }

    private Reply unreadable(String where, Exception e, Style style) {
        LOG.log(System.Logger.Level.DEBUG, () -> where + ": request unreadable: " + e);
        return new Reply(400, Reply.JSON, json.object(style.field, "the request could not be read: " + e.getMessage()), Optional.empty(),
                Map.of());
    }
}
