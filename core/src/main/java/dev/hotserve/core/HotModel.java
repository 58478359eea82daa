package dev.hotserve.core;

import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A model that follows the newest checkpoint file by itself: the core of hotserve, usable
 * in-process with no HTTP in between.
 *
 * <pre>{@code
 * HotModel policy = HotModel.builder().directory(Path.of("models/sac")).build();
 * try (var lease = policy.acquire()) {
 *     float[] action = lease.predict(state);
 * }
 * }</pre>
 *
 * <h2>Design note: the invariants</h2>
 *
 * <p><b>One reference, one snapshot.</b> What serves is one {@code AtomicReference<Snapshot>}; a
 * snapshot holds the version record, the engine's model and the policy head, all immutable, so a
 * reader never sees a generation with another generation's model. Loads happen under one lock per
 * model; the swap is {@code getAndSet} followed by {@link Snapshot#retire()} of the old snapshot.
 *
 * <p><b>What a lease guarantees.</b> {@link #acquire()} increments the current snapshot's lease count
 * with a CAS that fails once the snapshot is retired, and then re-reads the reference; so a lease is
 * only ever taken on a snapshot that is not yet closed and cannot be closed while the lease is
 * open. Everything a lease returns comes from that one snapshot, however many swaps happen
 * meanwhile. One thread's successive leases never go back in generation: the reference only ever
 * moves to higher generations (a rollback loads the old file as a new, higher generation).
 *
 * <p><b>When a retired model is closed.</b> Exactly once, by whichever comes last of the swap that
 * retires it and the release of its last lease. {@link #close()} retires the serving snapshot the
 * same way. A lease that is dropped without {@code close()} would keep its model open forever; a
 * sample of leases (all of them if asked) is watched by a {@link Cleaner} that reports such a lease
 * with its acquirer's stack and releases it.
 *
 * <p><b>Why one file change causes one load.</b> A load is decided by comparing the current file's
 * fingerprint (path, mtime, size) with the serving snapshot's and with the last failed one. The
 * comparison is repeated under the load lock before loading, so of all the requests that noticed
 * the same change, the first loads it and the others find it serving (or failed) and do not load.
 * A file that failed is remembered by fingerprint and tried again only once it changes. In
 * {@link ReloadMode#BACKGROUND} at most one load task is queued at a time.
 *
 * <p><b>Freshness is O(1).</b> A request costs one stat for an explicit file and two for a
 * directory (the directory and its newest candidate); the directory is listed again only when its
 * own mtime changes (see {@link Resolver}).
 *
 * <p><b>Half-written files.</b> A candidate whose mtime is younger than the settle window may still
 * be written in place: it is loaded only once its fingerprint stayed the same for the window (a
 * blocking request waits that long, at most once). The load then re-checks the fingerprint after
 * hashing and after the engine's load, and the engine's own parse fails on a truncated file; such
 * a failure is remembered by fingerprint, which the writer's next chunk changes.
 */
public final class HotModel implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HotModel.class.getName());

    /** Waits; injected so tests drive the settle window without wall time. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final String name;
    private final Resolver resolver;
    private final CheckpointLoading loading;
    private final CheckpointFiles files;
    private final ReloadMode mode;
    private final Duration settleWindow;
    private final InstantSource clock;
    private final Sleeper sleeper;
    private final boolean checkOnAcquire;
    private final int historySize;
    private final int eventLogSize;
    private final Consumer<LeakedLease> leakListener;
    private final int leakSampling;
    private final Cleaner cleaner;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final ScheduledExecutorService ownedScheduler;
    private final ScheduledFuture<?> poller;

    private final AtomicReference<Snapshot> serving = new AtomicReference<>();
    /** Guards loads, the generation counter and pinning; one load at a time per model. */
    private final ReentrantLock loadLock = new ReentrantLock();
    private volatile long generation;
    private volatile boolean pinned;
    /** The last fingerprint that failed to load: not tried again until the file changes. */
    private volatile Fingerprint lastFailed;
    private volatile LoadFailure lastError;
    /** A candidate seen but not yet settled, for the message of NoModelException. */
    private volatile Fingerprint unsettled;
    private volatile String lastResolveError;
    private volatile boolean closed;
    private final AtomicBoolean backgroundQueued = new AtomicBoolean();
    private final AtomicInteger openModels = new AtomicInteger();
    private final Deque<ModelVersion> history = new ArrayDeque<>();
    private final Deque<ReloadEvent> events = new ArrayDeque<>();
    private final List<Consumer<ReloadEvent>> listeners = new CopyOnWriteArrayList<>();

    private HotModel(Builder b) {
        this.name = b.name;
        this.files = b.files;
        this.clock = b.clock;
        this.sleeper = b.sleeper;
        this.mode = b.mode;
        this.settleWindow = b.settleWindow;
        this.checkOnAcquire = b.checkOnAcquire;
        this.historySize = b.historySize;
        this.eventLogSize = b.eventLogSize;
        this.leakListener = b.leakListener != null ? b.leakListener : this::logLeak;
        this.leakSampling = b.leakSampling;
        // A model's timestamps may lag real time by one coarse tick; trust a listing once the
        // directory's mtime is older than that, and at least the settle window.
        Duration slack = settleWindow.compareTo(Builder.MIN_MTIME_SLACK) > 0 ? settleWindow : Builder.MIN_MTIME_SLACK;
        if (b.file != null) {
            this.resolver = Resolver.ofFile(b.file, files, clock, slack);
        } else {
            Path dir = b.directory != null ? b.directory : Path.of("models", name);
            this.resolver = Resolver.ofDirectory(dir, b.glob, files, clock, slack);
        }
        ModelLoader loader = b.loader != null ? b.loader : Engines.discover()::load;
        this.loading = new CheckpointLoading(loader, b.loadOptions, b.expectedStateDim, files);
        this.cleaner = leakSampling > 0 ? Cleaner.create(r -> daemon(r, "hotserve-leaks-" + name)) : null;
        if (mode == ReloadMode.BACKGROUND && b.executor == null) {
            this.ownedExecutor = Executors.newSingleThreadExecutor(r -> daemon(r, "hotserve-load-" + name));
            this.executor = ownedExecutor;
        } else {
            this.ownedExecutor = null;
            this.executor = b.executor != null ? b.executor : Runnable::run;
        }
        boolean polling = b.pollInterval != null && !b.pollInterval.isZero();
        if (polling && b.scheduler == null) {
            this.ownedScheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hotserve-poll-" + name));
        } else {
            this.ownedScheduler = null;
        }
        // Listeners given to the builder hear the first load too, which happens here in build(),
        // before the poller starts.
        listeners.addAll(b.listeners);
        refreshQuietly();
        if (polling) {
            ScheduledExecutorService s = b.scheduler != null ? b.scheduler : ownedScheduler;
            long nanos = b.pollInterval.toNanos();
            this.poller = s.scheduleWithFixedDelay(this::refreshQuietly, nanos, nanos, TimeUnit.NANOSECONDS);
        } else {
            this.poller = null;
        }
    }

    private static Thread daemon(Runnable r, String threadName) {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        return t;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return name;
    }

    /**
     * Checks freshness (one or two stats), maybe loads a newer file (in {@link ReloadMode#BLOCKING}
     * mode, or when nothing serves yet), then leases the current snapshot. Close the lease.
     *
     * @throws NoModelException when no model is loaded; the message says why
     * @throws IllegalStateException after {@link #close()}
     */
    public Lease acquire() {
        if (closed) {
            throw new IllegalStateException("model '" + name + "' is closed");
        }
        if (checkOnAcquire) {
            freshen(false);
        }
        for (;;) {
            Snapshot s = serving.get();
            if (s == null) {
                if (closed) {
                    throw new IllegalStateException("model '" + name + "' is closed");
                }
                throw new NoModelException(noModelMessage());
            }
            if (s.tryAcquire()) {
                int n = leakSampling;
                if (n > 0 && (n == 1 || ThreadLocalRandom.current().nextInt(n) == 0)) {
                    return Lease.tracked(s, cleaner, name, leakListener);
                }
                return new Lease(s);
            }
            // Retired between get() and tryAcquire(): a newer snapshot is already installed.
        }
    }

    /** What serves now; no freshness check, no load. */
    public Optional<ModelVersion> current() {
        Snapshot s = serving.get();
        return s == null ? Optional.empty() : Optional.of(s.version);
    }

    public ModelStatus status() {
        return new ModelStatus(name, current(), generation, pinned, mode, resolver.describe(), Optional.ofNullable(lastError));
    }

    /** Loaded versions, newest first, at most {@code historySize}. */
    public List<ModelVersion> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /** The reload log, newest first, at most {@code eventLogSize}. */
    public List<ReloadEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /**
     * Loads the current file again even if unchanged (the pinned file while pinned), raising the
     * generation. A file still being written is waited for, one settle window at most.
     *
     * @throws NoModelException when there is no file
     * @throws ReloadFailedException when the load is refused; the previous model keeps serving
     */
    public ModelVersion reload() {
        checkOpen();
        loadLock.lock();
        try {
            Snapshot s = serving.get();
            Fingerprint fp = pinned && s != null ? stat(s.version.path()) : resolveAgain();
            if (fp == null) {
                throw new NoModelException(pinned && s != null
                        ? "model '" + name + "' is pinned to " + s.version.path() + ", which is no longer on disk"
                        : "model '" + name + "': no checkpoint found at " + resolver.describe());
            }
            fp = waitUntilSettledLocked(fp);
            return loadLocked(fp, ReloadKind.FORCED, "forced reload", null).version;
        } finally {
            loadLock.unlock();
        }
    }

    /**
     * Loads the file of history entry {@code generation} (still on disk, same sha256) as a new
     * generation and pins it: newer files are not followed until {@link #unpin()}.
     *
     * @throws IllegalArgumentException when the history holds no such generation
     * @throws ReloadFailedException when the file is gone, changed or refused; the previous model keeps serving
     */
    public ModelVersion rollback(long generation) {
        checkOpen();
        loadLock.lock();
        try {
            ModelVersion target = null;
            List<Long> known = new ArrayList<>();
            for (ModelVersion v : history()) {
                known.add(v.generation());
                if (v.generation() == generation) {
                    target = v;
                }
            }
            if (target == null) {
                throw new IllegalArgumentException("model '" + name + "' has no generation " + generation + " in its history; it holds " + known);
            }
            Fingerprint fp = stat(target.path());
            if (fp == null) {
                String reason = "cannot roll back to generation " + generation + ": " + target.path() + " is no longer on disk";
                recordFailure(new Fingerprint(target.path(), target.mtime(), target.size()), reason, clock.instant(), false);
                throw new ReloadFailedException(reason);
            }
            Snapshot s = loadLocked(fp, ReloadKind.ROLLED_BACK, "rollback to generation " + generation, target.sha256());
            pinned = true;
            Instant now = clock.instant();
            record(new ReloadEvent(now, ReloadKind.PINNED, s.version.generation(), s.version.generation(), s.version.path(),
                    "pinned by the rollback to generation " + generation, Duration.ZERO, null));
            return s.version;
        } finally {
            loadLock.unlock();
        }
    }

    /** Follows the newest file again, loading it now if it differs from what serves. */
    public ModelStatus unpin() {
        checkOpen();
        loadLock.lock();
        try {
            if (pinned) {
                pinned = false;
                Snapshot s = serving.get();
                long g = generation;
                record(new ReloadEvent(clock.instant(), ReloadKind.UNPINNED, g, g, s == null ? null : s.version.path(),
                        "following the newest file again", Duration.ZERO, null));
            }
            Fingerprint fp = resolveAgain();
            if (needsLoad(fp, serving.get(), true)) {
                Fingerprint settled = waitUntilSettledLocked(fp);
                try {
                    loadLocked(settled, ReloadKind.LOADED, "unpinned: following the newest file", null);
                } catch (ReloadFailedException e) {
                    // Recorded as a FAILED event and lastError; unpin itself succeeded.
                    LOG.log(System.Logger.Level.DEBUG, "after unpin: {0}", e.getMessage());
                }
            }
            return status();
        } finally {
            loadLock.unlock();
        }
    }

    /** Checks freshness now and loads a newer file on this thread; the poller calls it. */
    public void refresh() {
        if (closed) {
            return;
        }
        freshen(true);
    }

    /** Called after each event is recorded, on the thread that recorded it. */
    public void addListener(Consumer<ReloadEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Stops polling and retires the serving model, which closes when its last lease ends.
     * {@link #acquire()} then throws {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (poller != null) {
            poller.cancel(false);
        }
        if (ownedScheduler != null) {
            ownedScheduler.shutdownNow();
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
        loadLock.lock();
        try {
            Snapshot s = serving.getAndSet(null);
            if (s != null) {
                s.retire();
            }
        } finally {
            loadLock.unlock();
        }
    }

    /** Models loaded and not yet closed (the serving one and retired ones still leased). For tests. */
    int openModels() {
        return openModels.get();
    }

    @Override
    public String toString() {
        Snapshot s = serving.get();
        return "HotModel[" + name + ", " + resolver.describe() + ", "
                + (s == null ? "nothing loaded" : "generation " + s.version.generation() + " " + s.version.path()) + "]";
    }

    // ---------------------------------------------------------------- freshness and loading

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model '" + name + "' is closed");
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // The poller must survive a bad round; the failure is logged, not swallowed.
            LOG.log(System.Logger.Level.WARNING, "model '" + name + "': refresh failed", e);
        }
    }

    /**
     * The freshness check. {@code inline}: load on this thread even in background mode (refresh,
     * the poller, the background task itself).
     */
    private void freshen(boolean inline) {
        Snapshot s = serving.get();
        // In background mode a request with a model to serve waits for nothing, not even the
        // O(files) listing of a changed directory: that is the background task's to make.
        boolean offRequestPath = !inline && s != null && mode == ReloadMode.BACKGROUND;
        Fingerprint fp;
        try {
            fp = offRequestPath ? resolver.currentWithoutListing() : resolver.current();
            if (lastResolveError != null) { // read first: no shared write on every request
                lastResolveError = null;
            }
        } catch (UncheckedIOException e) {
            onResolveError(e);
            return;
        }
        if (fp == Resolver.LISTING_NEEDED) {
            scheduleBackgroundLoad();
            return;
        }
        s = serving.get();
        if (!needsLoad(fp, s, false)) {
            return;
        }
        if (offRequestPath) {
            scheduleBackgroundLoad();
            return;
        }
        Fingerprint settled = waitUntilSettled(fp);
        if (settled == null) {
            return;
        }
        loadLock.lock();
        try {
            if (closed) {
                return;
            }
            // Single flight: whoever loaded while this thread waited made this load unnecessary.
            Fingerprint now = resolver.current();
            if (!needsLoad(now, serving.get(), false)) {
                return;
            }
            if (!now.equals(settled) && !isSettled(now)) {
                unsettled = now;
                return;
            }
            loadLocked(now, ReloadKind.LOADED, reasonFor(now, serving.get()), null);
        } catch (ReloadFailedException e) {
            // Already recorded (FAILED event, lastError); the previous model keeps serving.
            LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': {1}", name, e.getMessage());
        } catch (UncheckedIOException e) {
            onResolveError(e);
        } finally {
            loadLock.unlock();
        }
    }

    private void onResolveError(UncheckedIOException e) {
        String msg = e.getMessage();
        if (!msg.equals(lastResolveError)) {
            lastResolveError = msg;
            LOG.log(System.Logger.Level.WARNING, "model '" + name + "': " + msg, e);
        }
        if (serving.get() == null) {
            throw new NoModelException("model '" + name + "': " + msg, e);
        }
    }

    private static String reasonFor(Fingerprint fp, Snapshot s) {
        if (s == null) {
            return "first load of " + fp.path().getFileName();
        }
        return fp.path().equals(s.fingerprint.path()) ? "file changed" : "newer file " + fp.path().getFileName();
    }

    /**
     * Whether {@code fp} should replace what serves. {@code follow}: any different file (after an
     * unpin); otherwise, in a directory, only a file that would win over the serving one, so a
     * deleted newest file does not bring back an older one.
     */
    private boolean needsLoad(Fingerprint fp, Snapshot s, boolean follow) {
        if (fp == null || pinned || fp.equals(lastFailed)) {
            return false;
        }
        if (s == null) {
            return true;
        }
        if (fp.equals(s.fingerprint)) {
            return false;
        }
        if (!follow && resolver.isDirectory() && !fp.path().equals(s.fingerprint.path())) {
            return Resolver.NEWEST_LAST.compare(fp, s.fingerprint) > 0;
        }
        return true;
    }

    private void scheduleBackgroundLoad() {
        if (!backgroundQueued.compareAndSet(false, true)) {
            return; // one queued at a time: it will see this change too
        }
        try {
            executor.execute(() -> {
                try {
                    refresh();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "model '" + name + "': background load failed", e);
                } finally {
                    backgroundQueued.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            backgroundQueued.set(false);
            if (!closed) {
                LOG.log(System.Logger.Level.WARNING, "model '" + name + "': the load executor refused the load", e);
            }
        }
    }

    private boolean isSettled(Fingerprint fp) {
        if (settleWindow.isZero()) {
            return true;
        }
        return Duration.between(fp.mtime(), clock.instant()).compareTo(settleWindow) >= 0;
    }

    /**
     * {@code fp} if it is settled, or stays unchanged over one wait of (at most) the settle window;
     * null if it changed meanwhile (still being written) or the wait was interrupted.
     */
    private Fingerprint waitUntilSettled(Fingerprint fp) {
        if (isSettled(fp)) {
            return fp;
        }
        unsettled = fp;
        Duration age = Duration.between(fp.mtime(), clock.instant());
        Duration wait = age.isNegative() ? settleWindow : settleWindow.minus(age);
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        Fingerprint again;
        try {
            CheckpointFiles.Stat st = files.stat(fp.path());
            again = st == null ? null : new Fingerprint(fp.path(), st.mtime(), st.size());
        } catch (java.io.IOException e) {
            // Unreadable now: not settled; the next check looks again.
            LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': cannot stat {1}: {2}", name, fp.path(), e);
            return null;
        }
        if (!fp.equals(again)) {
            return null;
        }
        unsettled = null;
        return fp;
    }

    /** As {@link #waitUntilSettled} for explicit operations: a file still changing is refused. */
    private Fingerprint waitUntilSettledLocked(Fingerprint fp) {
        Fingerprint settled = waitUntilSettled(fp);
        if (settled == null) {
            String reason = Thread.currentThread().isInterrupted()
                    ? "interrupted while waiting for " + fp.path() + " to settle"
                    : fp.path() + " is still being written (it changed within the settle window of " + settleWindow.toMillis() + " ms)";
            throw new ReloadFailedException(reason);
        }
        return settled;
    }

    private Fingerprint resolveAgain() {
        try {
            return resolver.currentListingAgain();
        } catch (UncheckedIOException e) {
            throw new ReloadFailedException(e.getMessage(), e);
        }
    }

    private Fingerprint stat(Path p) {
        try {
            CheckpointFiles.Stat st = files.stat(p);
            return st == null || st.directory() ? null : new Fingerprint(p, st.mtime(), st.size());
        } catch (java.io.IOException e) {
            throw new ReloadFailedException("cannot stat " + p + ": " + e, e);
        }
    }

    /**
     * Loads, verifies and swaps in {@code fp}; the load lock is held. On failure the previous
     * snapshot keeps serving, the failure is recorded and {@link ReloadFailedException} thrown.
     */
    private Snapshot loadLocked(Fingerprint fp, ReloadKind kind, String reason, String expectedSha256) {
        Instant start = clock.instant();
        CheckpointLoading.Outcome outcome = loading.load(fp, expectedSha256);
        switch (outcome) {
            case CheckpointLoading.Failed f -> {
                recordFailure(fp, f.reason(), start, true);
                throw new ReloadFailedException(f.reason(), f.cause());
            }
            case CheckpointLoading.Ok ok -> {
                if (closed) {
                    ok.model().close();
                    throw new IllegalStateException("model '" + name + "' was closed during the load of " + fp.path());
                }
                Instant end = clock.instant();
                Duration took = Duration.between(start, end);
                long oldGen = generation;
                long newGen = oldGen + 1;
                ModelVersion v = new ModelVersion(newGen, fp.path(), fp.mtime(), fp.size(), ok.sha256(), ok.engine(),
                        ok.model().signature().inputWidth(), ok.head().actionDim(), ok.head().kind(), ok.model().optimized(),
                        took, end);
                openModels.incrementAndGet();
                Snapshot next = new Snapshot(v, ok.model(), ok.head(), openModels::decrementAndGet);
                Snapshot old = serving.getAndSet(next);
                generation = newGen;
                lastError = null;
                unsettled = null;
                if (old != null) {
                    old.retire();
                }
                synchronized (history) {
                    history.addFirst(v);
                    while (history.size() > historySize) {
                        history.removeLast();
                    }
                }
                record(new ReloadEvent(end, kind, oldGen, newGen, fp.path(), reason, took, null));
                return next;
            }
        }
    }

    /** Remembers a refused file (not retried until it changes) and logs the event. */
    private void recordFailure(Fingerprint fp, String reason, Instant start, boolean remember) {
        Instant now = clock.instant();
        if (remember) {
            lastFailed = fp;
        }
        lastError = new LoadFailure(fp.path(), now, reason);
        long g = generation;
        LOG.log(System.Logger.Level.WARNING, "model ''{0}'': refused {1}: {2}", name, fp.path(), reason);
        record(new ReloadEvent(now, ReloadKind.FAILED, g, g, fp.path(), "load refused; generation " + g + " keeps serving",
                Duration.between(start, now), reason));
    }

    private void record(ReloadEvent e) {
        synchronized (events) {
            events.addFirst(e);
            while (events.size() > eventLogSize) {
                events.removeLast();
            }
        }
        for (Consumer<ReloadEvent> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "model '" + name + "': a reload listener failed on " + e.kind(), ex);
            }
        }
    }

    private String noModelMessage() {
        LoadFailure err = lastError;
        if (err != null) {
            return "model '" + name + "' has no loaded checkpoint: the last load failed: " + err.reason();
        }
        Fingerprint u = unsettled;
        if (u != null) {
            return "model '" + name + "' has no loaded checkpoint yet: " + u.path() + " is still being written";
        }
        return "model '" + name + "' has no loaded checkpoint: no checkpoint found at " + resolver.describe();
    }

    private void logLeak(LeakedLease leak) {
        LOG.log(System.Logger.Level.WARNING, "model '" + leak.model() + "': a lease on generation " + leak.version().generation()
                + " was never closed; it was acquired here:", leak.acquiredAt());
    }

    // ---------------------------------------------------------------- builder

    /** Builds a {@link HotModel}; every setting has a default. */
    public static final class Builder {

        static final Duration MIN_MTIME_SLACK = Duration.ofMillis(20);

        private String name = "sac";
        private Path file;
        private Path directory;
        private String glob = "model_*.{onnx,pt}";
        // Graph optimisation on: both engines measured faster with it at steady state (BENCHMARKS.md, item 6).
        private LoadOptions loadOptions = LoadOptions.defaults().withOptimize(true);
        private int expectedStateDim;
        private ReloadMode mode = ReloadMode.BLOCKING;
        private Duration pollInterval;
        private Duration settleWindow = Duration.ofMillis(50);
        private int historySize = 32;
        private int eventLogSize = 256;
        private ModelLoader loader;
        private InstantSource clock = InstantSource.system();
        private Sleeper sleeper = d -> Thread.sleep(d);
        private Executor executor;
        private ScheduledExecutorService scheduler;
        private CheckpointFiles files = CheckpointFiles.system();
        private Consumer<LeakedLease> leakListener;
        private int leakSampling = 1024;
        private boolean checkOnAcquire = true;
        private final List<Consumer<ReloadEvent>> listeners = new ArrayList<>();

        private Builder() {}

        /**
         * Told about every reload event from the first load on (metrics, logs). Same contract as
         * {@link HotModel#addListener}, which misses the events recorded during {@link #build()}.
         */
        public Builder listener(Consumer<ReloadEvent> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Default {@code "sac"}; names the default directory {@code models/<name>/}. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank() || name.contains("/") || name.contains("\\")) {
                throw new IllegalArgumentException("a model name must be non-blank without slashes, was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** Tier 1: serve this file. */
        public Builder file(Path file) {
            this.file = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Tier 2: serve the newest file in this directory matching the glob. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Names that are candidates in a directory; default {@code model_*.{onnx,pt}}. */
        public Builder glob(String glob) {
            Objects.requireNonNull(glob, "glob");
            if (glob.isBlank()) {
                throw new IllegalArgumentException("glob must not be blank");
            }
            this.glob = glob;
            return this;
        }

        public Builder loadOptions(LoadOptions options) {
            this.loadOptions = Objects.requireNonNull(options, "loadOptions");
            return this;
        }

        /** Refuse files whose input width differs. */
        public Builder expectedStateDim(int dim) {
            if (dim <= 0) {
                throw new IllegalArgumentException("expected state_dim must be positive, was " + dim);
            }
            this.expectedStateDim = dim;
            return this;
        }

        public Builder mode(ReloadMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Check for a newer file this often even with no traffic; null or zero: never. */
        public Builder pollInterval(Duration interval) {
            if (interval != null && interval.isNegative()) {
                throw new IllegalArgumentException("poll interval must not be negative, was " + interval);
            }
            this.pollInterval = interval;
            return this;
        }

        /** How long a fresh file's fingerprint must stay unchanged before it is loaded; zero disables. Default 50 ms. */
        public Builder settleWindow(Duration window) {
            Objects.requireNonNull(window, "settleWindow");
            if (window.isNegative()) {
                throw new IllegalArgumentException("settle window must not be negative, was " + window);
            }
            this.settleWindow = window;
            return this;
        }

        public Builder historySize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("history size must be at least 1, was " + size);
            }
            this.historySize = size;
            return this;
        }

        public Builder eventLogSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("event log size must be at least 1, was " + size);
            }
            this.eventLogSize = size;
            return this;
        }

        /** Default: {@code Engines.discover().load(file, options)}. */
        public Builder loader(ModelLoader loader) {
            this.loader = Objects.requireNonNull(loader, "loader");
            return this;
        }

        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How the settle window is waited; default {@link Thread#sleep(Duration)}. */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** Where {@link ReloadMode#BACKGROUND} loads run; default: one daemon thread owned by the model. */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Runs the poller; default: one daemon thread owned by the model, only when polling. */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        public Builder fileSystem(CheckpointFiles files) {
            this.files = Objects.requireNonNull(files, "fileSystem");
            return this;
        }

        /** Told about a lease dropped without close; default: a System.Logger warning with the acquirer's stack. */
        public Builder leakListener(Consumer<LeakedLease> listener) {
            this.leakListener = Objects.requireNonNull(listener, "leakListener");
            return this;
        }

        /**
         * Watch one lease in {@code oneIn} for leaks (1: every lease, 0: none). Default 1024: a
         * watched lease costs a stack capture and a Cleaner registration, microseconds, while a
         * plain lease costs nanoseconds; a leak that repeats is still found quickly.
         */
        public Builder leakDetectionSampling(int oneIn) {
            if (oneIn < 0) {
                throw new IllegalArgumentException("leak detection sampling must be >= 0, was " + oneIn);
            }
            this.leakSampling = oneIn;
            return this;
        }

        /**
         * Whether {@link HotModel#acquire()} checks freshness (default true: the seed's promise). Off,
         * a lease costs nanoseconds and newer files arrive only through the poller or
         * {@link HotModel#refresh()}.
         */
        public Builder checkOnAcquire(boolean check) {
            this.checkOnAcquire = check;
            return this;
        }

        /** Builds the model and tries a first load; a missing or broken file is recorded, never thrown. */
        public HotModel build() {
            if (file != null && directory != null) {
                throw new IllegalArgumentException("give either file(" + file + ") or directory(" + directory + "), not both");
            }
            return new HotModel(this);
        }
    }
}
