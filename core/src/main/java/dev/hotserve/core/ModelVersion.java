package dev.hotserve.core;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One loaded checkpoint: which file (path, mtime, size, sha256 of the bytes loaded), how it was
 * loaded (engine, widths, head, optimisation switch), and when. Immutable; a new generation gets a
 * new record.
 *
 * @param generation 1 for the first successful load, then one more per successful load
 * @param name the version's name: the checkpoint's file name without its extension, the same on
 *     every replica ({@code model_2026-11-24})
 * @param source where the source found it: an absolute path, {@code s3://bucket/key}
 * @param path the local file that was loaded (for a remote source, its staged copy)
 * @param sha256 lower-case hex digest of the bytes that were loaded
 * @param head the policy head kind, {@code "sac"} or {@code "identity"}
 * @param signer who signed the bytes (a key's sha256 hint or a certificate's subject), when a
 *     signature was verified (README, "Signed checkpoints"); empty when signatures are off or, in {@code warn}, refused
 */
public record ModelVersion(
        long generation,
        String name,
        String source,
        Path path,
        Instant mtime,
        long size,
        String sha256,
        String engine,
        int stateDim,
        int actionDim,
        String head,
        boolean optimized,
        Duration loadDuration,
        Instant loadedAt,
        Optional<String> signer) {

    public ModelVersion {
        if (generation < 1) {
            throw new IllegalArgumentException("a loaded version has generation >= 1, was " + generation);
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mtime, "mtime");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(loadDuration, "loadDuration");
        Objects.requireNonNull(loadedAt, "loadedAt");
        Objects.requireNonNull(signer, "signer");
    }

    /** The version {@code ok} makes of {@code staged} as generation {@code generation}: the one place a version is made. */
    static ModelVersion of(long generation, dev.hotserve.source.StagedCheckpoint staged, CheckpointLoading.Ok ok, Duration took,
            Instant loadedAt) {
        dev.hotserve.source.CheckpointRef ref = staged.ref();
        return new ModelVersion(generation, ref.versionName(), ref.id(), staged.file(), ref.modified(), ok.size(), ok.sha256(),
                ok.engine(), ok.model().signature().inputWidth(), ok.head().actionDim(), ok.head().kind(), ok.model().optimized(), took,
                loadedAt, Optional.ofNullable(ok.signer()));
    }

    /** This version's loaded model serving again under generation {@code generation} (a guard's roll-back). */
    ModelVersion servedAgainAs(long generation, Instant at) {
        return new ModelVersion(generation, name, source, path, mtime, size, sha256, engine, stateDim, actionDim, head, optimized,
                Duration.ZERO, at, signer);
    }

    /** This version loaded again with the engine's optimiser: the same generation, file and bytes. */
    ModelVersion optimizedAgain() {
        return new ModelVersion(generation, name, source, path, mtime, size, sha256, engine, stateDim, actionDim, head, true,
                loadDuration, loadedAt, signer);
    }
}
