package dev.hotserve.core;

/** A request named a version that is not loaded (a candidate when no rollout is under way). A server maps it to 404. */
public class NoSuchVersionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NoSuchVersionException(String message) {
        super(message);
    }
}
