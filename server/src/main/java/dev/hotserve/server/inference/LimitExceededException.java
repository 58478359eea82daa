package dev.hotserve.server.inference;

/** A request over a configured limit (rows, elements, bytes). Answered 413 / RESOURCE_EXHAUSTED; the message names the limit. */
public final class LimitExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LimitExceededException(String message) {
        super(message, null, false, false);
    }
}
