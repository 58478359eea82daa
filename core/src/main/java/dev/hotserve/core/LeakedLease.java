package dev.hotserve.core;

import java.util.Objects;

/**
 * A {@link Lease} that became unreachable without being closed.
 *
 * @param acquiredAt a throwable whose stack trace is the acquirer's
 */
public record LeakedLease(String model, ModelVersion version, Throwable acquiredAt) {
    public LeakedLease {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(acquiredAt, "acquiredAt");
    }
}
