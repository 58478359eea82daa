package dev.hotserve.server.inference;

/** A request without the key its route needs. Answered 401 / UNAUTHENTICATED, or 403 / PERMISSION_DENIED. */
public final class AccessDeniedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Reason {
        /** No bearer key was presented. */
        MISSING_KEY,
        /** A key was presented, and it is neither key. */
        INVALID_KEY,
        /** The API key was presented where the admin key is needed. */
        NOT_ADMIN
    }

    private final Reason reason;

    public AccessDeniedException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
