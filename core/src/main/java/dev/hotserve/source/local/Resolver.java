package dev.hotserve.source.local;

import dev.hotserve.source.CheckpointFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which file is current (README, "Publishing a checkpoint safely"), at O(1) cost per call in the number of files.
 *
 * <p>An explicit file costs one stat. A directory costs two: the directory itself and the newest
 * candidate found by the last listing. The directory is listed again when its own mtime changed
 * (an entry was added, removed or renamed), and once more to confirm a listing that may have raced
 * a second change in the same mtime tick: file-system timestamps are coarse (a jiffy on Linux,
 * seconds elsewhere), so a listing is trusted only when it started at least {@code mtimeSlack}
 * after the directory's mtime. Until that confirming listing can be made, calls use the listing
 * they have rather than listing again each: under load, one listing per call for the whole window
 * cost O(files) per request, queued behind one lock. The price is that a second rename within
 * the same tick as the first is seen at most {@code mtimeSlack} late. A candidate written in place
 * does not change the directory's mtime, but it is the newest candidate, whose own fingerprint is
 * stat'ed on every call. When the directory is watched, the watch's events move the listing on
 * ({@link #noticed}): a rename then costs a stat of the new file, not a listing, and the listing
 * that confirms it after {@code mtimeSlack} also finds a second rename whose event came too late.
 */
final class Resolver {

    /** Candidates sort by (mtime, name); the greatest wins (README, "Publishing a checkpoint safely"). */
    static final Comparator<Fingerprint> NEWEST_LAST = Comparator.comparing(Fingerprint::mtime)
            .thenComparing(f -> f.path().getFileName().toString());

    private final Path file;
    private final Path directory;
    private final String glob;
    private final PathMatcher matcher;
    private final CheckpointFiles files;
    private final InstantSource clock;
    private final Duration mtimeSlack;
    private final String description;

    /** The last listing: the directory's mtime then, when it started, and the newest candidate (or null). */
    private record Listing(Instant dirMtime, Instant startedAt, Path newest) {}

    private volatile Listing listing;
    private final ReentrantLock listLock = new ReentrantLock();

    private Resolver(Path file, Path directory, String glob, CheckpointFiles files, InstantSource clock, Duration mtimeSlack) {
        this.file = file;
        this.directory = directory;
        this.glob = glob;
        this.matcher = glob == null ? null : FileSystems.getDefault().getPathMatcher("glob:" + glob);
        this.files = files;
        this.clock = clock;
        this.mtimeSlack = mtimeSlack;
        this.description = file != null ? "file " + file : "directory " + directory + " (" + glob + ")";
    }

    static Resolver ofFile(Path file, CheckpointFiles files, InstantSource clock, Duration mtimeSlack) {
        return new Resolver(file.toAbsolutePath().normalize(), null, null, files, clock, mtimeSlack);
    }

    static Resolver ofDirectory(Path dir, String glob, CheckpointFiles files, InstantSource clock, Duration mtimeSlack) {
        return new Resolver(null, dir.toAbsolutePath().normalize(), glob, files, clock, mtimeSlack);
    }

    boolean isDirectory() {
        return directory != null;
    }

    /** Registers {@code onChange} for the directory (or the file's directory) and the names that may become current. */
    AutoCloseable watch(DirectoryWatch watch, Runnable onChange) {
        if (file != null) {
            Path name = file.getFileName();
            return file.getParent() == null ? () -> {} : watch.register(file.getParent(), name::equals, onChange);
        }
        return watch.register(directory, this::isCandidateName, (List<Path> names) -> {
            noticed(names);
            onChange.run();
        });
    }

    /**
     * What the directory watch saw: candidate {@code names} created, renamed in or written. The
     * listing is moved on by a stat of those names, the newest and the directory, so the request
     * that follows a rename need not list the directory (a stat per file: half a millisecond of a
     * pickup with 30 files). Such a listing is never trusted: a second rename whose event is still
     * on its way is not in it, so a full listing confirms it once the mtime slack has passed, as
     * it confirms any listing made close to a change. Nothing is done when a listing is under
     * way (it sees the change), when there is no listing to move on, when the directory's mtime
     * did not move (what a listing would do then is unchanged too), when events were lost, or
     * when the newest file is gone (only a listing can tell what is newest then).
     */
    void noticed(List<Path> names) {
        if (directory == null || names.isEmpty() || !listLock.tryLock()) {
            return;
        }
        try {
            Listing l = listing;
            if (l == null) {
                return;
            }
            CheckpointFiles.Stat dir = files.stat(directory);
            if (dir == null || !dir.directory() || dir.mtime().equals(l.dirMtime)) {
                return;
            }
            Fingerprint best = null;
            if (l.newest != null) {
                best = stat(l.newest);
                if (best == null) {
                    return;
                }
            }
            for (Path name : names) {
                Fingerprint fp = stat(directory.resolve(name));
                if (fp != null && (best == null || NEWEST_LAST.compare(fp, best) > 0)) {
                    best = fp;
                }
            }
            // Started "at" the directory's mtime: never trusted, so confirmed after the slack.
            listing = new Listing(dir.mtime(), dir.mtime(), best == null ? null : best.path());
        } catch (IOException e) {
            // The next request lists the directory and reports what is wrong.
        } finally {
            listLock.unlock();
        }
    }

    /** {@code "file /x/y.onnx"} or {@code "directory /x (model_*.{onnx,pt})"}. */
    String describe() {
        return description;
    }

    /** Whether {@code p} is this file, or a candidate name directly in this directory. */
    boolean holds(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (file != null) {
            return abs.equals(file);
        }
        return abs.getFileName() != null && directory.equals(abs.getParent()) && isCandidateName(abs.getFileName());
    }

    /** Whether a name may ever be a checkpoint: not hidden, not a temporary, matching the glob. */
    boolean isCandidateName(Path name) {
        String n = name.toString();
        if (n.startsWith(".") || n.endsWith(".tmp") || n.endsWith(".partial")) {
            return false;
        }
        return matcher.matches(name);
    }

    /**
     * Returned by {@link #currentWithoutListing()} when only a listing of the directory can tell
     * the current file: compared by identity.
     */
    static final Fingerprint LISTING_NEEDED = new Fingerprint(Path.of("<listing needed>"), Instant.EPOCH, -1);

    /** How far a call may go to find the current file. */
    private enum Look {
        /** Stats only: {@link #LISTING_NEEDED} where a listing would be needed (a request's glance). */
        NO_LISTING,
        /** Lists the directory when its mtime changed (the usual look). */
        LIST_IF_CHANGED,
        /** Lists the directory again whatever its mtime says (an explicit operation). */
        LIST_AGAIN
    }

    /** The current file's fingerprint, or null when there is none. */
    Fingerprint current() {
        return resolve(Look.LIST_IF_CHANGED);
    }

    /** Like {@link #current()}, but lists a directory again whatever its mtime says. */
    Fingerprint currentListingAgain() {
        return resolve(Look.LIST_AGAIN);
    }

    /**
     * Like {@link #current()}, but returns {@link #LISTING_NEEDED} instead of listing the directory:
     * a listing costs O(files), which a request must not pay when it need not wait for the answer.
     */
    Fingerprint currentWithoutListing() {
        return resolve(Look.NO_LISTING);
    }

    private Fingerprint resolve(Look look) {
        try {
            return file != null ? stat(file) : currentInDirectory(look);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve the checkpoint in " + description + ": " + e.getMessage(), e);
        }
    }

    private Fingerprint currentInDirectory(Look look) throws IOException {
        boolean mayList = look != Look.NO_LISTING;
        Instant before = clock.instant();
        CheckpointFiles.Stat dir = files.stat(directory);
        if (dir == null || !dir.directory()) {
            listing = null;
            return null;
        }
        Listing l = listing;
        if (look == Look.LIST_AGAIN || l == null || !l.dirMtime.equals(dir.mtime())) {
            if (!mayList) {
                return LISTING_NEEDED;
            }
            l = look == Look.LIST_AGAIN ? relistAnyway() : relist(dir.mtime(), l);
        } else if (!trusted(l) && !before.isBefore(l.dirMtime.plus(mtimeSlack))) {
            if (!mayList) {
                return LISTING_NEEDED;
            }
            l = confirm(l);
        }
        if (l.newest == null) {
            return null;
        }
        Fingerprint fp = stat(l.newest);
        if (fp == null) {
            if (!mayList) {
                return LISTING_NEEDED;
            }
            // Removed within the same mtime tick as the listing: the directory changed, look again.
            l = relistAnyway();
            return l.newest == null ? null : stat(l.newest);
        }
        return fp;
    }

    private boolean trusted(Listing l) {
        return l.dirMtime.isBefore(l.startedAt.minus(mtimeSlack));
    }

    /**
     * The confirming listing of an untrusted one, now that a listing would be trusted. Only one
     * thread makes it; the others go on with the listing they have instead of queueing for it.
     */
    private Listing confirm(Listing untrusted) throws IOException {
        if (!listLock.tryLock()) {
            return untrusted;
        }
        try {
            return relistLocked(untrusted.dirMtime, untrusted);
        } finally {
            listLock.unlock();
        }
    }

    /**
     * Lists the directory, one thread at a time, unless another thread made a listing meanwhile
     * that replaces {@code stale} (the one the caller found wanting) and saw the directory at the
     * mtime the caller saw: that listing shows what the caller's own would. (A change within the
     * same mtime tick is the confirming listing's business.) Without this, every request that
     * arrived during a long listing of a big directory listed it once more.
     */
    private Listing relist(Instant dirMtime, Listing stale) throws IOException {
        listLock.lock();
        try {
            return relistLocked(dirMtime, stale);
        } finally {
            listLock.unlock();
        }
    }

    /** Lists the directory whatever listing another thread made meanwhile. */
    private Listing relistAnyway() throws IOException {
        listLock.lock();
        try {
            return list();
        } finally {
            listLock.unlock();
        }
    }

    private Listing relistLocked(Instant dirMtime, Listing stale) throws IOException {
        Listing l = listing;
        if (l != null && l != stale && l.dirMtime.equals(dirMtime)) {
            return l;
        }
        return list();
    }

    /** The listing itself; the list lock is held. */
    private Listing list() throws IOException {
        Instant startedAt = clock.instant();
        CheckpointFiles.Stat dir = files.stat(directory);
        if (dir == null || !dir.directory()) {
            listing = null;
            return new Listing(Instant.EPOCH, startedAt, null);
        }
        Fingerprint best = null;
        List<Path> entries = files.list(directory);
        for (Path p : entries) {
            Path name = p.getFileName();
            if (name == null || !isCandidateName(name)) {
                continue;
            }
            Fingerprint fp = stat(p);
            if (fp != null && (best == null || NEWEST_LAST.compare(fp, best) > 0)) {
                best = fp;
            }
        }
        Listing l = new Listing(dir.mtime(), startedAt, best == null ? null : best.path());
        listing = l;
        return l;
    }

    private Fingerprint stat(Path p) throws IOException {
        CheckpointFiles.Stat s = files.stat(p);
        if (s == null || s.directory()) {
            return null;
        }
        return new Fingerprint(p, s.mtime(), s.size());
    }
}
