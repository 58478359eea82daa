package dev.hotserve.core;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/** A refused load: which file, when, and why in words a person can act on. */
public record LoadFailure(Path path, Instant at, String reason) {
    public LoadFailure {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(reason, "reason");
    }
}
