package dev.hotserve.source;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A checkpoint file on this machine: its ref, its stat and its staging with the sidecars beside it.
 * The local source stages its files this way, and so do the operations that stage a loaded
 * version's file again (a rollback, a pinned reload, a restore after a restart, the re-optimiser),
 * whatever source the file first came from: by then it is a file on this disk.
 */
public final class LocalFiles {

    private final CheckpointFiles files;

    public LocalFiles(CheckpointFiles files) {
        this.files = files;
    }

    public CheckpointFiles files() {
        return files;
    }

    /** The ref of {@code file} as it is now, its change token made of its mtime and size. */
    public static CheckpointRef ref(Path file, Instant mtime, long size) {
        return new CheckpointRef(file.toString(), CheckpointRef.versionNameOf(file.getFileName().toString()), size,
                mtime + "/" + size, mtime, Optional.empty());
    }

    /** The ref of {@code file} now, or empty when it is not on disk (or is a directory). */
    public Optional<CheckpointRef> stat(Path file) throws SourceException {
        try {
            CheckpointFiles.Stat st = files.stat(file);
            return st == null || st.directory() ? Optional.empty() : Optional.of(ref(file, st.mtime(), st.size()));
        } catch (IOException e) {
            throw new SourceException("cannot stat " + file + ": " + e, e);
        }
    }

    /** Whether {@code ref} (a ref of a file on this disk) still names the file as it is now. */
    public boolean unchanged(CheckpointRef ref) throws SourceException {
        Optional<CheckpointRef> now = stat(Path.of(ref.id()));
        return now.isPresent() && now.get().size() == ref.size() && now.get().modified().equals(ref.modified());
    }

    /** The first format's verdict on {@code file} of {@code size} bytes; not-this-format when none knows it. */
    public CheckpointFormat.Verdict check(List<CheckpointFormat> formats, Path file, long size) throws SourceException {
        try {
            for (CheckpointFormat f : formats) {
                CheckpointFormat.Verdict v = f.check(() -> files.open(file), size);
                if (!(v instanceof CheckpointFormat.NotThisFormat)) {
                    return v;
                }
            }
            return new CheckpointFormat.NotThisFormat();
        } catch (IOException e) {
            throw new SourceException("cannot read " + file + ": " + e, e);
        }
    }

    /** {@code file} staged as it is, with the {@code .json} and {@code .sha256} sidecars beside it when present. */
    public StagedCheckpoint staged(CheckpointRef ref, Path file) throws SourceException {
        return new StagedCheckpoint(ref, file, sidecar(file, ".json"), sidecar(file, ".sha256"), Optional.empty());
    }

    private Optional<Path> sidecar(Path file, String suffix) throws SourceException {
        Path p = file.resolveSibling(file.getFileName() + suffix);
        try {
            // A directory of that name is found here and ignored when read (no text).
            return files.exists(p) ? Optional.of(p) : Optional.empty();
        } catch (IOException e) {
            throw new SourceException("cannot stat " + p + ": " + e, e);
        }
    }
}
