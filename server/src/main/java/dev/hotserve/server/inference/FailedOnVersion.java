package dev.hotserve.server.inference;

import dev.hotserve.core.ModelVersion;

/**
 * A failure that happened while a model version was leased: the error response still names the
 * version that was serving (headers), as every response of a model route does. Only a carrier:
 * the cause decides the status.
 */
public final class FailedOnVersion extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ModelVersion version;

    public FailedOnVersion(RuntimeException cause, ModelVersion version) {
        super(cause.getMessage(), cause, false, false);
        this.version = version;
    }

    public ModelVersion version() {
        return version;
    }
}
