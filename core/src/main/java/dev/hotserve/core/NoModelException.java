package dev.hotserve.core;

/**
 * No model is loaded, so nothing can answer. The message says why: no checkpoint found where the
 * model looks, one still being written, or the last load's error. A server maps it to 503.
 */
public class NoModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NoModelException(String message) {
        super(message);
    }

    public NoModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
