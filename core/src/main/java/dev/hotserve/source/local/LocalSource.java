package dev.hotserve.source.local;

import dev.hotserve.source.CheckpointFiles;
import dev.hotserve.source.CheckpointFormat;
import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.Glance;
import dev.hotserve.source.LocalFiles;
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
 * A checkpoint file, or the newest matching file of a directory, on the local disk (README, "Publishing a checkpoint safely", docs/architecture.md, "The stages of a reload").
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
public final class LocalSource implements CheckpointSource {

    /**
     * How a local source reads its files.
     *
     * @param settleWindow how long a file of no checkable format must stay unchanged before it stages
     * @param mtimeSlack how far a file system's timestamps may lag real time ({@link Resolver})
     * @param signatureInChangeToken whether a checkpoint's {@code .sig} is part of its change token:
     *     a refusal is remembered per checkpoint and signature, so a signature written after its
     *     checkpoint (or replaced) gets the checkpoint another load
     * @param watch the runtime's directory watch, or null when nothing is watched
     */
    public record Options(CheckpointFiles files, InstantSource clock, Duration settleWindow, Duration mtimeSlack,
            List<CheckpointFormat> formats, boolean signatureInChangeToken, DirectoryWatch watch) {
        public Options {
            formats = List.copyOf(formats);
        }
    }

    private final Resolver resolver;
    private final LocalFiles local;
    private final InstantSource clock;
    private final Duration settleWindow;
    private final List<CheckpointFormat> formats;
    private final boolean signatureInChangeToken;
    private final DirectoryWatch watch;

    /** The last fingerprint seen and what it meant: a request whose file did not change allocates nothing. */
    private record Seen(Fingerprint fingerprint, String signature, Glance glance) {}

    private volatile Seen seen;

    private LocalSource(Resolver resolver, Options o) {
        this.resolver = resolver;
        this.local = new LocalFiles(o.files());
        this.clock = o.clock();
        this.settleWindow = o.settleWindow();
        this.formats = o.formats();
        this.signatureInChangeToken = o.signatureInChangeToken();
        this.watch = o.watch();
    }

    /** One checkpoint file, loaded again whenever it changes. */
    public static LocalSource ofFile(Path file, Options o) {
        return new LocalSource(Resolver.ofFile(file, o.files(), o.clock(), o.mtimeSlack()), o);
    }

    /** The newest file of {@code directory} whose name matches {@code glob}. */
    public static LocalSource ofDirectory(Path directory, String glob, Options o) {
        return new LocalSource(Resolver.ofDirectory(directory, glob, o.files(), o.clock(), o.mtimeSlack()), o);
    }

    @Override
    public boolean newestWins() {
        return resolver.isDirectory();
    }

    @Override
    public Optional<Duration> settleWindow() {
        return Optional.of(settleWindow);
    }

    @Override
    public AutoCloseable notifyOnChange(Runnable onChange) {
        return watch == null ? () -> { } : resolver.watch(watch, onChange);
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
            return seenOf(resolver.current()).current();
        } catch (UncheckedIOException e) {
            throw new SourceException(e.getMessage(), e.getCause());
        }
    }

    @Override
    public Glance glance() throws SourceException {
        try {
            Fingerprint fp = resolver.currentWithoutListing();
            return fp == Resolver.LISTING_NEEDED ? Glance.LOOK_NEEDED : seenOf(fp);
        } catch (UncheckedIOException e) {
            throw new SourceException(e.getMessage(), e.getCause());
        }
    }

    @Override
    public Optional<CheckpointRef> currentLookingAgain() throws SourceException {
        try {
            return seenOf(resolver.currentListingAgain()).current();
        } catch (UncheckedIOException e) {
            throw new SourceException(e.getMessage(), e.getCause());
        }
    }

    private static final Glance.Seen NOTHING = new Glance.Seen(Optional.empty());

    private Glance.Seen seenOf(Fingerprint fp) {
        if (fp == null) {
            return NOTHING;
        }
        String sig = signatureInChangeToken ? signatureToken(fp.path()) : "";
        Seen s = seen;
        if (s != null && s.fingerprint.equals(fp) && s.signature.equals(sig)) {
            return (Glance.Seen) s.glance;
        }
        CheckpointRef plain = LocalFiles.ref(fp.path(), fp.mtime(), fp.size());
        Glance.Seen g = new Glance.Seen(Optional.of(sig.isEmpty() ? plain : new CheckpointRef(plain.id(), plain.versionName(), plain.size(),
                plain.changeToken() + "/sig:" + sig, plain.modified(), plain.sha256())));
        seen = new Seen(fp, sig, g);
        return g;
    }

    /** The {@code .sig} beside a checkpoint as part of its change token: its mtime and size, or {@code none}. */
    private String signatureToken(Path checkpoint) {
        try {
            CheckpointFiles.Stat st = local.files().stat(checkpoint.resolveSibling(checkpoint.getFileName() + ".sig"));
            return st == null ? "none" : st.mtime() + "/" + st.size();
        } catch (IOException e) {
            return "unreadable";
        }
    }

    @Override
    public StagedCheckpoint stage(CheckpointRef ref) throws SourceException {
        Fingerprint fp = fingerprintOf(ref);
        Optional<CheckpointRef> now = local.stat(fp.path());
        if (now.isEmpty()) {
            throw new SourceException(fp.path() + " is no longer on disk");
        }
        if (!fp.equals(fingerprintOf(now.get()))) {
            throw new NotYetCompleteException(fp.path() + " changed since it was seen (still being written?)");
        }
        boolean settled = !Duration.between(fp.mtime(), clock.instant()).minus(settleWindow).isNegative();
        CheckpointFormat.Verdict verdict = local.check(formats, fp.path(), fp.size());
        switch (verdict) {
            case CheckpointFormat.Complete c -> {
                return local.staged(ref, fp.path());
            }
            case CheckpointFormat.Incomplete i -> {
                if (settled) {
                    throw new SourceException(fp.path() + " is not a whole " + i.format() + " file: " + i.reason());
                }
                throw new NotYetCompleteException(fp.path() + " is still being written: " + i.reason());
            }
            case CheckpointFormat.NotThisFormat n -> {
                if (settled) {
                    return local.staged(ref, fp.path());
                }
                throw new NotYetCompleteException(fp.path() + " is in no format whose end can be checked; it is loaded once unchanged for "
                        + settleWindow.toMillis() + " ms");
            }
        }
    }

    @Override
    public void confirmUnchanged(StagedCheckpoint staged) throws SourceException {
        if (!local.unchanged(staged.ref())) {
            throw new NotYetCompleteException(staged.ref().id() + " changed while it was being loaded (still being written?)");
        }
    }

    @Override
    public String toString() {
        return "LocalSource[" + describe() + "]";
    }

    private static Fingerprint fingerprintOf(CheckpointRef ref) {
        return new Fingerprint(Path.of(ref.id()), ref.modified(), ref.size());
    }
}
