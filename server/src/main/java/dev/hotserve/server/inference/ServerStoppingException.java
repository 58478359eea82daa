package dev.hotserve.server.inference;

/** The server is draining for shutdown and takes no new request. Answered 503 / UNAVAILABLE. */
public final class ServerStoppingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ServerStoppingException(String message) {
        super(message, null, false, false);
    }
}
