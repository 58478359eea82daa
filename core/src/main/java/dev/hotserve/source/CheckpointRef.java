package dev.hotserve.source;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One state of one checkpoint as its source sees it, before it is staged. Two refs with the same
 * {@code id} and {@code changeToken} are the same bytes; a new token means a new load.
 *
 * @param id where the checkpoint lives: an absolute path, {@code s3://bucket/key}
 * @param versionName the checkpoint's file name without its extension ({@code model_2026-11-24}):
 *     the same on every replica, so a fleet can be compared by it
 * @param size bytes, or -1 when the source does not know yet
 * @param changeToken what changes when the bytes change: mtime and size for a file, the ETag for
 *     an object
 * @param modified when the source says it last changed; orders candidates
 * @param sha256 the digest the source declares for the bytes (a pointer object's field), if any
 */
public record CheckpointRef(String id, String versionName, long size, String changeToken, Instant modified, Optional<String> sha256) {

    public CheckpointRef {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(versionName, "versionName");
        Objects.requireNonNull(changeToken, "changeToken");
        Objects.requireNonNull(modified, "modified");
        Objects.requireNonNull(sha256, "sha256");
    }

    /** The version name of a file name: the name without its last extension. */
    public static String versionNameOf(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    /** Same checkpoint, same bytes. */
    public boolean sameAs(CheckpointRef other) {
        return other != null && id.equals(other.id) && changeToken.equals(other.changeToken);
    }

    @Override
    public String toString() {
        return id + " (" + changeToken + ")";
    }
}
