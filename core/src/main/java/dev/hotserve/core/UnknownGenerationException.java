package dev.hotserve.core;

/** A rollback named a generation the model's history does not hold; the message lists those it does. A server maps it to 404. */
public class UnknownGenerationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownGenerationException(String message) {
        super(message);
    }
}
