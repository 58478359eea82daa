package dev.hotserve.core;

import dev.hotserve.source.CheckpointFormat;
import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.NotYetCompleteException;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.StagedCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

/**
 * A checkpoint file, or the newest matching file of a directory, on the local disk (SPEC §2, §3).
 * Which file is current is the {@link Resolver}'s business (a stat or two per call); staging hands
 * back the file itself once it is provably complete.
 *
 * <h2>Why a half-written file is never staged</h2>
 *
 * <p>A file is complete when (a) its format check finds it whole ({@link CheckpointFormat}: an
 * ONNX message whose fields parse exactly to the end and include the graph, where every weight
 * lives; a ZIP archive ending in its end record), or (b) it is in no known format and has stayed
 * unchanged for the settle window. A file in a known format that the check finds unfinished is
 * never staged: while it is young it is "not yet complete" (what serves keeps serving, nobody
 * waits), and once it has stayed still for the settle window it is refused as truncated. After the
 * engine's load, {@link #confirmUnchanged} stats the file again: a writer that added bytes during
 * the load changed its size or mtime, so the load is discarded. So a prefix is never served: a
 * known-format prefix fails (a), an unknown-format prefix that keeps growing never stays still
 * (b), and one that grows during the load fails the confirmation. Renamed-in files are whole
 * when they appear and pass (a) at once: no waiting.
 */
final class LocalSource implements CheckpointSource {

    /** Returned by {@link #currentWithoutListing()} when only a listing can tell; compared by identity. */
    static final Optional<CheckpointRef> LISTING_NEEDED =
            Optional.of(new CheckpointRef("<listing needed>", "<listing needed>", -1, "", java.time.Instant.EPOCH, Optional.empty()));

    private final Resolver resolver;
    private final CheckpointFiles files;
    private final InstantSource clock;
    private final Duration settleWindow;
    private final List<CheckpointFormat> formats;

    /** The last fingerprint seen and its ref: a request whose file did not change allocates nothing. */
    private record Seen(Fingerprint fingerprint, String signature, Optional<CheckpointRef> ref) {}

    private volatile Seen seen;
    private final boolean signatureSidecars;

    LocalSource(Resolver resolver, CheckpointFiles files, InstantSource clock, Duration settleWindow, List<CheckpointFormat> formats) {
        this(resolver, files, clock, settleWindow, formats, false);
    }

    /**
     * @param signatureSidecars whether a checkpoint's {@code .sig} is part of its change token (SPEC §16):
     *     a refusal is remembered per checkpoint and signature, so a signature written after its
     *     checkpoint (or replaced) gets the checkpoint another load
     */
    LocalSource(Resolver resolver, CheckpointFiles files, InstantSource clock, Duration settleWindow, List<CheckpointFormat> formats,
            boolean signatureSidecars) {
        this.signatureSidecars = signatureSidecars;
        this.resolver = resolver;
        this.files = files;
        this.clock = clock;
        this.settleWindow = settleWindow;
        this.formats = List.copyOf(formats);
    }

    boolean isDirectory() {
        return resolver.isDirectory();
    }

    /** Asks {@code watch} to call {@code onChange} when a file that may become current appears or changes. */
    AutoCloseable watch(DirectoryWatch watch, Runnable onChange) {
        return resolver.watch(watch, onChange);
    }

    @Override
    public String describe() {
        return resolver.describe();
    }

    @Override
    public boolean holds(String refId, Path localFile) {
        try {
            Path p = Path.of(refId);
            return p.isAbsolute() && p.equals(localFile) && resolver.holds(p);
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    @Override
    public Optional<CheckpointRef> current() throws SourceException {
        try {
            return refOf(resolver.current());
        } catch (UncheckedIOException e) {
            throw new SourceException(e.getMessage(), e.getCause());
        }
    }

    /** As {@link #current()}, but {@link #LISTING_NEEDED} instead of listing a changed directory. */
    Optional<CheckpointRef> currentWithoutListing() throws SourceException {
        try {
            Fingerprint fp = resolver.currentWithoutListing();
            return fp == Resolver.LISTING_NEEDED ? LISTING_NEEDED : refOf(fp);
        } catch (UncheckedIOException e) {
            throw new SourceException(e.getMessage(), e.getCause());
        }
    }

    /** As {@link #current()}, listing a directory again whatever its mtime says (explicit operations). */
    Optional<CheckpointRef> currentListingAgain() throws SourceException {
        try {
            return refOf(resolver.currentListingAgain());
        } catch (UncheckedIOException e) {
            throw new SourceException(e.getMessage(), e.getCause());
        }
    }

    private Optional<CheckpointRef> refOf(Fingerprint fp) {
        if (fp == null) {
            return Optional.empty();
        }
        String sig = signatureSidecars ? signatureToken(fp.path()) : "";
        Seen s = seen;
        if (s != null && s.fingerprint.equals(fp) && s.signature.equals(sig)) {
            return s.ref;
        }
        CheckpointRef plain = LocalFiles.ref(fp);
        Optional<CheckpointRef> ref = Optional.of(sig.isEmpty() ? plain : new CheckpointRef(plain.id(), plain.versionName(), plain.size(),
                plain.changeToken() + "/sig:" + sig, plain.modified(), plain.sha256()));
        seen = new Seen(fp, sig, ref);
        return ref;
    }

    /** The {@code .sig} beside a checkpoint as part of its change token: its mtime and size, or {@code none}. */
    private String signatureToken(Path checkpoint) {
        try {
            CheckpointFiles.Stat st = files.stat(SignatureCheck.sidecarOf(checkpoint));
            return st == null ? "none" : st.mtime() + "/" + st.size();
        } catch (IOException e) {
            return "unreadable";
        }
    }

    @Override
    public StagedCheckpoint stage(CheckpointRef ref) throws SourceException {
        Fingerprint fp = LocalFiles.fingerprint(ref);
        Fingerprint now = LocalFiles.stat(files, fp.path());
        if (now == null) {
            throw new SourceException(fp.path() + " is no longer on disk");
        }
        if (!now.equals(fp)) {
            throw new NotYetCompleteException(fp.path() + " changed since it was seen (still being written?)");
        }
        boolean settled = !Duration.between(fp.mtime(), clock.instant()).minus(settleWindow).isNegative();
        CheckpointFormat.Verdict verdict = LocalFiles.check(files, formats, fp);
        switch (verdict) {
            case CheckpointFormat.Complete c -> {
                return LocalFiles.staged(files, ref, fp.path());
            }
            case CheckpointFormat.Incomplete i -> {
                if (settled) {
                    throw new SourceException(fp.path() + " is not a whole " + i.format() + " file: " + i.reason());
                }
                throw new NotYetCompleteException(fp.path() + " is still being written: " + i.reason());
            }
            case CheckpointFormat.NotThisFormat n -> {
                if (settled) {
                    return LocalFiles.staged(files, ref, fp.path());
                }
                throw new NotYetCompleteException(fp.path() + " is in no format whose end can be checked; it is loaded once unchanged for "
                        + settleWindow.toMillis() + " ms");
            }
        }
    }

    @Override
    public void confirmUnchanged(StagedCheckpoint staged) throws SourceException {
        Fingerprint fp = LocalFiles.fingerprint(staged.ref());
        if (!fp.equals(LocalFiles.stat(files, fp.path()))) {
            throw new NotYetCompleteException(fp.path() + " changed while it was being loaded (still being written?)");
        }
    }

    /** How long a file of unknown format must stay unchanged; the source's part of the settle rule. */
    Duration settleWindow() {
        return settleWindow;
    }

    @Override
    public String toString() {
        return "LocalSource[" + describe() + "]";
    }

    /** Stat, ref and staging helpers shared with rollback, which stages a history entry's file directly. */
    static final class LocalFiles {
        private LocalFiles() {}

        static CheckpointRef ref(Fingerprint fp) {
            String name = fp.path().getFileName().toString();
            return new CheckpointRef(fp.path().toString(), CheckpointRef.versionNameOf(name), fp.size(),
                    fp.mtime() + "/" + fp.size(), fp.mtime(), Optional.empty());
        }

        static Fingerprint fingerprint(CheckpointRef ref) {
            return new Fingerprint(Path.of(ref.id()), ref.modified(), ref.size());
        }

        static Fingerprint stat(CheckpointFiles files, Path p) throws SourceException {
            try {
                CheckpointFiles.Stat st = files.stat(p);
                return st == null || st.directory() ? null : new Fingerprint(p, st.mtime(), st.size());
            } catch (IOException e) {
                throw new SourceException("cannot stat " + p + ": " + e, e);
            }
        }

        static CheckpointFormat.Verdict check(CheckpointFiles files, List<CheckpointFormat> formats, Fingerprint fp) throws SourceException {
            try {
                for (CheckpointFormat f : formats) {
                    CheckpointFormat.Verdict v = f.check(() -> files.open(fp.path()), fp.size());
                    if (!(v instanceof CheckpointFormat.NotThisFormat)) {
                        return v;
                    }
                }
                return new CheckpointFormat.NotThisFormat();
            } catch (IOException e) {
                throw new SourceException("cannot read " + fp.path() + ": " + e, e);
            }
        }

        static StagedCheckpoint staged(CheckpointFiles files, CheckpointRef ref, Path file) throws SourceException {
            return new StagedCheckpoint(ref, file, sidecar(files, file, ".json"), sidecar(files, file, ".sha256"), Optional.empty());
        }

        private static Optional<Path> sidecar(CheckpointFiles files, Path file, String suffix) throws SourceException {
            Path p = file.resolveSibling(file.getFileName() + suffix);
            try {
                // A directory of that name is found here and ignored when read (no text).
                return files.exists(p) ? Optional.of(p) : Optional.empty();
            } catch (IOException e) {
                throw new SourceException("cannot stat " + p + ": " + e, e);
            }
        }
    }
}
