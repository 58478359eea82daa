package dev.hotserve.core;

/**
 * An explicit reload or rollback was refused; the model that served before still serves. A server
 * maps it to 409.
 */
public class ReloadFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReloadFailedException(String message) {
        super(message);
    }

    public ReloadFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
