package dev.hotserve.server.inference;

/**
 * A load that names where to load from, refused because the server has no key set, so that any
 * client could name any path or bucket (SECURITY.md). Answered 403 / PERMISSION_DENIED.
 */
public final class LoadForbiddenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LoadForbiddenException(String message) {
        super(message, null, false, false);
    }
}
