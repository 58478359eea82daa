package dev.hotserve.core;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the reload log.
 *
 * @param oldGeneration the generation serving before the event (0: none)
 * @param newGeneration the generation serving after it (equal to the old one unless a load succeeded)
 * @param path the checkpoint concerned; null for an unpin with nothing to load
 * @param error null unless {@code kind} is {@link ReloadKind#FAILED}
 */
public record ReloadEvent(
        Instant at,
        ReloadKind kind,
        long oldGeneration,
        long newGeneration,
        Path path,
        String reason,
        Duration duration,
        String error) {

    public ReloadEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(duration, "duration");
        if (newGeneration < oldGeneration) {
            throw new IllegalArgumentException("generation never goes backwards: " + oldGeneration + " -> " + newGeneration);
        }
        if ((kind == ReloadKind.FAILED) != (error != null)) {
            throw new IllegalArgumentException("an error is given exactly for FAILED events, kind " + kind + ", error " + error);
        }
    }
}
