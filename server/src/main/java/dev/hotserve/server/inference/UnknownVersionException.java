package dev.hotserve.server.inference;

/** The model is served, but not in the version asked for. Answered 404 / NOT_FOUND; the message lists the loaded versions. */
public final class UnknownVersionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownVersionException(String message) {
        super(message, null, false, false);
    }
}
