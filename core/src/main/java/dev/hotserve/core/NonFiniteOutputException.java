package dev.hotserve.core;

/**
 * A version on trial (a canary, or a version just promoted) answered with a non-finite value. The
 * answer is withheld; the rollout counts it, and during the guard rolls back at once. A server maps
 * it to 500 naming the version.
 */
public class NonFiniteOutputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ModelVersion version;

    public NonFiniteOutputException(ModelVersion version, String message) {
        super(message);
        this.version = version;
    }

    public ModelVersion version() {
        return version;
    }
}
