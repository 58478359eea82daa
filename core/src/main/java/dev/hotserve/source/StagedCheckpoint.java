package dev.hotserve.source;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A checkpoint on the local disk, complete, ready for an engine.
 *
 * @param ref what was staged
 * @param file the local file to load
 * @param jsonSidecar the local copy of {@code <checkpoint>.json}, if the source has one
 * @param sha256Sidecar the local copy of {@code <checkpoint>.sha256}, if the source has one
 * @param verifiedSha256 the digest of {@code file}'s bytes when staging already computed and
 *     checked it (a download hashed as it went), else empty and the loader hashes the file
 */
public record StagedCheckpoint(
        CheckpointRef ref, Path file, Optional<Path> jsonSidecar, Optional<Path> sha256Sidecar, Optional<String> verifiedSha256) {

    public StagedCheckpoint {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(jsonSidecar, "jsonSidecar");
        Objects.requireNonNull(sha256Sidecar, "sha256Sidecar");
        Objects.requireNonNull(verifiedSha256, "verifiedSha256");
    }
}
