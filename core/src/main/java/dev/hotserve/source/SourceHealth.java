package dev.hotserve.source;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a source can be reached now.
 *
 * @param reachable the last attempt to reach it succeeded
 * @param lastReached when it last answered; empty if never (a local source: always now, so empty)
 * @param lastError why the last attempt failed, empty after a success
 * @param consecutiveFailures attempts failed in a row (retries back off on this)
 */
public record SourceHealth(boolean reachable, Optional<Instant> lastReached, Optional<String> lastError, int consecutiveFailures) {

    /** What a local source reports. */
    public static final SourceHealth LOCAL = new SourceHealth(true, Optional.empty(), Optional.empty(), 0);

    public SourceHealth {
        Objects.requireNonNull(lastReached, "lastReached");
        Objects.requireNonNull(lastError, "lastError");
    }
}
