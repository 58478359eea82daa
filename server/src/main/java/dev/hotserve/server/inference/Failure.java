package dev.hotserve.server.inference;

import dev.hotserve.batch.QueueFullException;
import dev.hotserve.core.NoModelException;
import dev.hotserve.core.NoSuchVersionException;
import dev.hotserve.core.NonFiniteOutputException;
import dev.hotserve.core.ReloadFailedException;
import dev.hotserve.core.UnknownGenerationException;
import dev.hotserve.engine.InferenceException;
import dev.hotserve.engine.InvalidInputException;

/**
 * What went wrong, in the one vocabulary every front end maps from: the domain throws typed
 * exceptions, {@link #of} sorts them here, once, and each front end turns the {@link Kind} into its
 * own code (an HTTP status, a gRPC status). Nothing generic is sorted as the caller's fault: an
 * {@link IllegalArgumentException} or {@link IllegalStateException} from our own code is
 * {@link Kind#INTERNAL}, logged with its stack trace.
 *
 * @param message what the caller reads; for {@link Kind#INTERNAL} only the exception's type
 */
public record Failure(Kind kind, String message, AccessDeniedException.Reason accessReason) {

    private static final System.Logger LOG = System.getLogger(Failure.class.getName());

    /**
     * The kinds. They carry no transport's code: REST ({@code http.ErrorMapper}) and gRPC
     * ({@code grpc.GrpcStatus}) each map them with an exhaustive switch, so a new kind fails to
     * compile until every transport says what it means.
     */
    public enum Kind {
        BAD_INPUT,
        UNAUTHENTICATED,
        FORBIDDEN,
        NOT_FOUND,
        CONFLICT,
        TOO_LARGE,
        INTERNAL,
        UNAVAILABLE
    }

    /** Sorts {@code t} (unwrapping {@link FailedOnVersion}); {@code where} names the request in the log. */
    public static Failure of(Throwable t, String where) {
        Throwable e = t instanceof FailedOnVersion f && f.getCause() != null ? f.getCause() : t;
        return switch (e) {
            case InvalidInputException x -> new Failure(Kind.BAD_INPUT, x.getMessage(), null);
            case AccessDeniedException x -> new Failure(x.reason() == AccessDeniedException.Reason.NOT_ADMIN ? Kind.FORBIDDEN
                    : Kind.UNAUTHENTICATED, x.getMessage(), x.reason());
            case UnknownModelException x -> new Failure(Kind.NOT_FOUND, x.getMessage(), null);
            case UnknownVersionException x -> new Failure(Kind.NOT_FOUND, x.getMessage(), null);
            case LimitExceededException x -> new Failure(Kind.TOO_LARGE, x.getMessage(), null);
            case NoModelException x -> new Failure(Kind.UNAVAILABLE, x.getMessage(), null);
            case QueueFullException x -> new Failure(Kind.UNAVAILABLE, x.getMessage(), null);
            case ReloadFailedException x -> new Failure(Kind.CONFLICT, x.getMessage(), null);
            case UnknownGenerationException x -> new Failure(Kind.NOT_FOUND, x.getMessage(), null);
            case NoSuchVersionException x -> new Failure(Kind.NOT_FOUND, x.getMessage(), null);
            case NonFiniteOutputException x -> {
                // A version on trial answered NaN: the rollout counts it; an expected outcome, not our bug.
                LOG.log(System.Logger.Level.WARNING, where + ": " + x.getMessage());
                yield new Failure(Kind.INTERNAL, x.getMessage(), null);
            }
            // The model answered values the front end's encoding cannot carry: its fault, not the caller's, and no bug of ours.
            case UnencodableOutputException x -> new Failure(Kind.INTERNAL, x.getMessage(), null);
            case ServerStoppingException x -> new Failure(Kind.UNAVAILABLE, x.getMessage(), null);
            case LoadForbiddenException x -> new Failure(Kind.FORBIDDEN, x.getMessage(), null);
            case InferenceException x -> {
                LOG.log(System.Logger.Level.WARNING, where + ": inference failed", x);
                yield new Failure(Kind.INTERNAL, "inference failed: " + x.getMessage(), null);
            }
            default -> {
                LOG.log(System.Logger.Level.ERROR, where + ": unexpected error", e);
                yield new Failure(Kind.INTERNAL, "internal error (" + e.getClass().getSimpleName() + "); see the server log", null);
            }
        };
    }
}
