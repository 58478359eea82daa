package dev.hotserve.source;

/** A source could not answer or stage: the message says why, in words a person can act on. */
public class SourceException extends Exception {
    private static final long serialVersionUID = 1L;

    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
