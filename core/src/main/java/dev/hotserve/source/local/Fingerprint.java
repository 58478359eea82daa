package dev.hotserve.source.local;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/** What identifies one state of a checkpoint file: a change in any part means a reload. */
record Fingerprint(Path path, Instant mtime, long size) {
    Fingerprint {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mtime, "mtime");
    }

    @Override
    public String toString() {
        return path + " (mtime " + mtime + ", " + size + " bytes)";
    }
}
