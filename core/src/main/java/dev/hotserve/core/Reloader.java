package dev.hotserve.core;

import dev.hotserve.batch.BatchObserver;
import dev.hotserve.batch.Batcher;
import dev.hotserve.batch.Batching;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.NotYetCompleteException;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.StagedCheckpoint;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * Moves a model from one {@link ModelState} to the next: notices new checkpoints, stages, loads
 * and verifies them, and swaps the state. Owns the load lock (one load at a time per model, so of
 * all the requests that notice one change only the first loads it), the background queue (at most
 * one queued task per model) and the explicit operations (reload, rollback, unpin).
 */
final class Reloader {

    private static final System.Logger LOG = System.getLogger(Reloader.class.getName());
    /** How long after a swap {@link #reoptimise} starts: past the burst of answers the swap released. */
    static final Duration OPTIMIZE_AFTER = Duration.ofMillis(50);
    /** How long after a request's swap its follow-up runs ({@link #handOff}): past the answers the swap released. */
    static final Duration FOLLOW_UP_AFTER = Duration.ofMillis(5);

    private final String name;
    private final StateCell state;
    private final CheckpointSource source;
    private final LocalSource local; // the same source when it is local, else null
    private final Freshness freshness;
    private final CheckpointLoading loading;
    private final VersionLog log;
    private final ReloadMode mode;
    private final InstantSource clock;
    private final HotModel.Sleeper sleeper;
    private final Duration settleWindow;
    private final Executor background;
    private final CheckpointFiles files;
    private final Batching batching;
    private final BatchObserver batchObserver;
    private final IntSupplier requestsInFlight;
    private final RolloutController rollout;
    private final ReentrantLock lock;
    private final AtomicBoolean queued = new AtomicBoolean();
    /** A background look was skipped while the lock was held: the last release has one made. */
    private final AtomicBoolean recheck = new AtomicBoolean();
    private final AtomicInteger openModels = new AtomicInteger();
    /** Where a request's swap leaves its follow-up (listeners, retiring); null: the request's own thread. */
    private final Executor followUp;
    /** Replaced snapshots handed to {@link #followUp} and not yet retired: {@link #close()} retires them. */
    private final Set<Snapshot> handedOff = ConcurrentHashMap.newKeySet();
    /** Whether a swap of a newer checkpoint loads it unoptimised and optimises it right after ({@link #reoptimise}). */
    private final boolean optimizeAfterSwap;
    private final ScheduledExecutorService scheduler;
    /** The snapshot a swap replaced, retired once the lock is released; guarded by the lock. */
    private Snapshot replaced;

    Reloader(String name, StateCell state, ReentrantLock lock, CheckpointSource source, CheckpointLoading loading, VersionLog log,
            ReloadMode mode, InstantSource clock, HotModel.Sleeper sleeper, Duration settleWindow, Executor background,
            CheckpointFiles files, Batching batching, BatchObserver batchObserver, IntSupplier requestsInFlight,
            RolloutPolicy rolloutPolicy, ShadowQueue.Settings shadow, Executor followUp, boolean optimizeAfterSwap,
            ScheduledExecutorService scheduler) {
        this.name = name;
        this.state = state;
        this.lock = lock;
        this.source = source;
        this.local = source instanceof LocalSource l ? l : null;
        this.freshness = new Freshness(local != null && local.isDirectory(), clock);
        this.loading = loading;
        this.log = log;
        this.mode = mode;
        this.clock = clock;
        this.sleeper = sleeper;
        this.settleWindow = settleWindow;
        this.background = background;
        this.files = files;
        this.batching = batching;
        this.batchObserver = batchObserver;
        // The library's default: the leases open on the serving version (a request holds one from
        // acquire to close), which is what an application's concurrent requests look like here.
        this.requestsInFlight = requestsInFlight != null ? requestsInFlight : () -> {
            Snapshot s = state.get().serving();
            return s == null ? 0 : s.leases();
        };
        this.followUp = followUp;
        this.optimizeAfterSwap = optimizeAfterSwap;
        this.scheduler = scheduler;
        this.rollout = new RolloutController(name, rolloutPolicy, state, log, clock, shadow, lock, openModels::decrementAndGet,
                rolloutPolicy.stateFile().map(f -> new StableVersionFile(f, name, source, clock)));
    }

    RolloutController rollout() {
        return rollout;
    }

    int openModels() {
        return openModels.get();
    }

    // ---------------------------------------------------------------- the request path

    /**
     * The freshness check of a request. In {@link ReloadMode#BLOCKING} a request that finds a newer
     * complete checkpoint loads it (or waits for the load under way) and is answered by it; when a
     * model serves and the load may not block (background mode, a remote source), the load is
     * queued and the serving model answers. A checkpoint not yet complete never makes a request
     * wait while a model serves.
     */
    void onRequest() {
        ModelState st = state.get();
        boolean serving = st.serving() != null;
        boolean offPath = serving && (mode == ReloadMode.BACKGROUND || source.remote());
        Optional<CheckpointRef> current;
        try {
            current = offPath && local != null ? local.currentWithoutListing() : source.current();
        } catch (SourceException e) {
            onSourceError(e);
            return;
        }
        if (st.sourceError() != null) { // read first: no shared write on every request
            state.sourceReadable();
        }
        switch (freshness.decide(st, current, false)) {
            case Freshness.UpToDate u -> { }
            case Freshness.NoCheckpoint n -> { }
            case Freshness.NotYetComplete n -> {
                if (!serving && mode == ReloadMode.BLOCKING) {
                    waitThenRefresh(n.pending());
                }
            }
            case Freshness.ListingNeeded l -> scheduleBackground();
            case Freshness.Load load -> {
                if (offPath || source.remote()) {
                    scheduleBackground();
                    return;
                }
                loadLatest(true);
                ModelState after = state.get();
                if (after.serving() == null && after.pending() != null && mode == ReloadMode.BLOCKING) {
                    waitThenRefresh(after.pending());
                }
            }
        }
    }

    /** Nothing serves yet and the checkpoint may still be being written: wait its settle window out once. */
    private void waitThenRefresh(ModelState.Pending pending) {
        Duration wait = Duration.between(clock.instant(), pending.recheckAt());
        if (!wait.isNegative() && !wait.isZero()) {
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        loadLatest(true);
    }

    /**
     * Looks again under the lock and loads what the source names if it is still news (single flight).
     *
     * @param request whether a request waits for this (its swap's follow-up may be handed off)
     */
    private void loadLatest(boolean request) {
        lock.lock();
        loadLatestLocked(request);
    }

    /** {@link #loadLatest} with the lock taken; releases it. */
    private void loadLatestLocked(boolean request) {
        try {
            ModelState st = state.get();
            if (st.closed()) {
                return;
            }
            Optional<CheckpointRef> current;
            try {
                current = source.current();
            } catch (SourceException e) {
                onSourceError(e);
                return;
            }
            switch (freshness.decide(st, current, false)) {
                case Freshness.Load load -> {
                    try {
                        loadLocked(load.ref(), ReloadKind.LOADED, load.reason(), null, false);
                    } catch (ReloadFailedException e) {
                        // Recorded (a FAILED event, or the file is pending); the previous model keeps serving.
                        LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': {1}", name, e.getMessage());
                    }
                }
                default -> { }
            }
        } finally {
            unlock(request);
        }
    }

    /** Loads on this thread whatever is news (the poller, the background task, {@link HotModel#refresh()}). */
    void refresh() {
        if (state.get().closed()) {
            return;
        }
        loadLatest(false);
    }

    /** The poller's round: a remote source asks its store first. */
    void poll() {
        if (state.get().closed()) {
            return;
        }
        source.poll();
        loadLatest(false);
    }

    /**
     * The background task's refresh: a load under way (a request's, the poller's) is not waited
     * for. Its holder looks again, or has it looked at, when it releases the lock ({@link #recheck}):
     * in blocking mode the request after a rename is loading what the watch's task would, and a
     * loader thread that waited for it woke beside that request's answer.
     */
    private void refreshUnlessBusy() {
        if (state.get().closed()) {
            return;
        }
        recheck.set(true);
        if (!lock.tryLock()) {
            return;
        }
        recheck.set(false);
        loadLatestLocked(false);
    }

    void scheduleBackground() {
        if (!queued.compareAndSet(false, true)) {
            return; // one queued at a time: it will see this change too
        }
        try {
            background.execute(() -> {
                try {
                    refreshUnlessBusy();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "model '" + name + "': background load failed", e);
                } finally {
                    queued.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            queued.set(false);
            if (!state.get().closed()) {
                LOG.log(System.Logger.Level.WARNING, "model '" + name + "': the load executor refused the load", e);
            }
        }
    }

    private void onSourceError(SourceException e) {
        String msg = e.getMessage();
        if (state.sourceFailed(msg)) {
            LOG.log(System.Logger.Level.WARNING, "model '" + name + "': " + msg, e);
        }
    }

    /**
     * Releases the lock; the last release tells the listeners what happened under it and retires
     * what a swap replaced, both outside the lock (a request waiting on it goes on meanwhile).
     */
    private void unlock() {
        unlock(false);
    }

    /** As {@link #unlock()}; after a request's swap the follow-up may go to {@link #followUp}. */
    private void unlock(boolean request) {
        if (lock.getHoldCount() != 1) {
            lock.unlock();
            return;
        }
        Snapshot r = replaced;
        replaced = null;
        boolean recorded = log.takeRecordedUnderLock();
        lock.unlock();
        boolean again = recheck.getAndSet(false);
        if (request && r != null && followUp != null && handOff(r, again)) {
            return;
        }
        if (recorded) {
            log.deliver();
        }
        if (r != null) {
            r.retire();
        }
        if (again) {
            scheduleBackground();
        }
    }

    /**
     * Leaves telling the listeners, retiring {@code r} and (with {@code again}) the background
     * task's look to {@link #followUp}, {@link #FOLLOW_UP_AFTER} from now; false when refused.
     * Delayed for the reason {@link #scheduleReoptimise} is: the request's answer goes first.
     */
    private boolean handOff(Snapshot r, boolean again) {
        handedOff.add(r);
        Runnable followUpTask = () -> {
            log.deliver();
            r.retire();
            handedOff.remove(r);
            if (again) {
                scheduleBackground();
            }
        };
        // A loader closing by then: run on the scheduler's thread, so nothing is left undone.
        if (later(FOLLOW_UP_AFTER, followUp, followUpTask, followUpTask)) {
            return true;
        }
        handedOff.remove(r);
        return false;
    }

    /**
     * Runs {@code task} on {@code executor} {@code delay} from now, or {@code ifRefused} if the
     * executor refuses it then; false when the scheduler refuses it now (closing).
     */
    private boolean later(Duration delay, Executor executor, Runnable task, Runnable ifRefused) {
        try {
            scheduler.schedule(() -> {
                try {
                    executor.execute(task);
                } catch (RejectedExecutionException e) {
                    ifRefused.run();
                }
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- explicit operations

    /** Loads the current checkpoint again even if unchanged (the pinned file while pinned). */
    ModelVersion reload() {
        lock.lock();
        try {
            supersedeRolloutLocked("an explicit reload");
            ModelState st = requireOpen();
            Snapshot s = st.serving();
            CheckpointRef ref;
            if (st.pinned() && s != null) {
                Fingerprint fp = statOrRefuse(s.version.path());
                if (fp == null) {
                    throw new NoModelException("model '" + name + "' is pinned to " + s.version.path() + ", which is no longer on disk");
                }
                ref = LocalSource.LocalFiles.ref(fp);
                return loadFile(ref, ReloadKind.FORCED, "forced reload", null).version;
            }
            ref = currentForExplicit().orElseThrow(() -> new NoModelException("model '" + name + "': no checkpoint found at " + source.describe()));
            return loadLocked(ref, ReloadKind.FORCED, "forced reload", null, true).version;
        } finally {
            unlock();
        }
    }

    /** Loads history entry {@code generation}'s file (same sha256) as a new generation and pins it. */
    ModelVersion rollback(long generation) {
        lock.lock();
        try {
            requireOpen();
            supersedeRolloutLocked("an explicit rollback");
            ModelVersion target = null;
            List<Long> known = new ArrayList<>();
            for (ModelVersion v : log.history()) {
                known.add(v.generation());
                if (v.generation() == generation) {
                    target = v;
                }
            }
            if (target == null) {
                throw new UnknownGenerationException("model '" + name + "' has no generation " + generation + " in its history; it holds " + known);
            }
            Fingerprint fp = statOrRefuse(target.path());
            if (fp == null) {
                String reason = "cannot roll back to generation " + generation + ": " + target.path() + " is no longer on disk";
                CheckpointRef gone = LocalSource.LocalFiles.ref(new Fingerprint(target.path(), target.mtime(), target.size()));
                recordFailure(gone, reason, clock.instant(), false);
                throw new ReloadFailedException(reason);
            }
            Snapshot s = loadFile(LocalSource.LocalFiles.ref(fp), ReloadKind.ROLLED_BACK, "rollback to generation " + generation, target.sha256());
            state.pin();
            log.record(new ReloadEvent(clock.instant(), ReloadKind.PINNED, s.version.generation(), s.version.generation(), s.version.path(),
                    "pinned by the rollback to generation " + generation, Duration.ZERO, null));
            return s.version;
        } finally {
            unlock();
        }
    }

    /** Follows the newest checkpoint again, loading it now if it differs from what serves. */
    void unpin() {
        lock.lock();
        try {
            supersedeRolloutLocked("an unpin");
            ModelState st = requireOpen();
            if (st.pinned()) {
                ModelState after = state.unpin();
                long g = after.generation();
                log.record(new ReloadEvent(clock.instant(), ReloadKind.UNPINNED, g, g,
                        after.serving() == null ? null : after.serving().version.path(), "following the newest file again", Duration.ZERO, null));
            }
            Optional<CheckpointRef> current;
            try {
                current = currentForExplicit();
            } catch (ReloadFailedException e) {
                LOG.log(System.Logger.Level.DEBUG, "after unpin: {0}", e.getMessage());
                return;
            }
            if (freshness.decide(state.get(), current, true) instanceof Freshness.Load load) {
                try {
                    loadLocked(load.ref(), ReloadKind.LOADED, "unpinned: following the newest file", null, true);
                } catch (ReloadFailedException e) {
                    // Recorded as a FAILED event and the last error; unpin itself succeeded.
                    LOG.log(System.Logger.Level.DEBUG, "after unpin: {0}", e.getMessage());
                }
            }
        } finally {
            unlock();
        }
    }

    /** Promotes the candidate now (admin). */
    ModelVersion promote() {
        lock.lock();
        try {
            requireOpen();
            return rollout.promoteByHandLocked();
        } finally {
            unlock();
        }
    }

    /** Rejects the candidate now (admin); it is not tried again until its file changes. */
    ModelVersion reject() {
        lock.lock();
        try {
            requireOpen();
            return rollout.rejectByHandLocked();
        } finally {
            unlock();
        }
    }

    /**
     * Serves the stable version an earlier run wrote down, before anything else loads (a restart
     * during a rollout), but only one of this model's source with the recorded bytes; anything
     * else is ignored with an event saying why, and the model follows its source as usual.
     */
    void restoreStable() {
        StableVersionFile.Recorded recorded = rollout.readStable();
        if (recorded instanceof StableVersionFile.Absent) {
            return;
        }
        lock.lock();
        try {
            switch (recorded) {
                case StableVersionFile.Ignored ignored -> {
                    LOG.log(System.Logger.Level.WARNING, "model ''{0}'': not restoring the stable version written down: {1}", name,
                            ignored.reason());
                    log.record(new ReloadEvent(clock.instant(), ReloadKind.RESTORE_IGNORED, 0, 0, null, ignored.reason(), Duration.ZERO,
                            null));
                }
                case StableVersionFile.Restorable stable -> {
                    Fingerprint fp = LocalSource.LocalFiles.stat(files, stable.path());
                    if (fp != null) {
                        loadFile(LocalSource.LocalFiles.ref(fp), ReloadKind.LOADED, "restored the stable version written down before the restart",
                                stable.sha256());
                    }
                }
                case StableVersionFile.Absent absent -> {}
            }
        } catch (SourceException | ReloadFailedException e) {
            LOG.log(System.Logger.Level.WARNING, "model ''{0}'': cannot restore the stable version {1}: {2}", name, recorded, e.getMessage());
        } finally {
            unlock();
        }
    }

    /** An explicit operation ends any rollout: the candidate is dropped and a guard's previous version released. */
    private void supersedeRolloutLocked(String what) {
        rollout.dropCandidateLocked("superseded by " + what);
        rollout.endGuardLocked("superseded by " + what);
    }

    /** Retires what serves (closed when its last lease ends); loads finishing later are discarded. */
    void close() {
        lock.lock();
        try {
            ModelState before = state.close();
            if (before.serving() != null) {
                before.serving().retire();
            }
            if (before.rollout() != null) {
                before.rollout().candidate().retire();
            }
            if (before.guard() != null) {
                before.guard().previous().retire();
            }
            handedOff.forEach(Snapshot::retire); // a follow-up the loader has not run yet (or never will, once shut down)
        } finally {
            unlock();
        }
    }

    private ModelState requireOpen() {
        ModelState st = state.get();
        if (st.closed()) {
            throw new IllegalStateException("model '" + name + "' is closed");
        }
        return st;
    }

    private Optional<CheckpointRef> currentForExplicit() {
        try {
            return local != null ? local.currentListingAgain() : source.current();
        } catch (SourceException e) {
            throw new ReloadFailedException(e.getMessage(), e);
        }
    }

    private Fingerprint statOrRefuse(java.nio.file.Path p) {
        try {
            return LocalSource.LocalFiles.stat(files, p);
        } catch (SourceException e) {
            throw new ReloadFailedException(e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- loading and the swap

    /**
     * Stages, loads, verifies and swaps in {@code ref}; the lock is held. A checkpoint not yet
     * complete is remembered as pending; with {@code waitOnce} (explicit operations) its settle
     * window is waited out once first. On failure the previous snapshot keeps serving, the failure
     * is recorded and {@link ReloadFailedException} thrown.
     */
    private Snapshot loadLocked(CheckpointRef ref, ReloadKind kind, String reason, String expectedSha256, boolean waitOnce) {
        if (kind == ReloadKind.LOADED && state.get().rollout() != null) {
            // Never three versions loaded: the candidate goes before its replacement loads.
            rollout.dropCandidateLocked("replaced by the newer checkpoint " + ref.versionName());
        }
        Instant start = clock.instant();
        StagedCheckpoint staged;
        try {
            staged = stage(ref, waitOnce);
        } catch (NotYetCompleteException e) {
            Instant recheck = ref.modified().plus(settleWindow);
            state.pending(new ModelState.Pending(ref, e.getMessage(), recheck));
            throw new ReloadFailedException(e.getMessage(), e);
        } catch (SourceException e) {
            recordFailure(ref, e.getMessage(), start, true);
            throw new ReloadFailedException(e.getMessage(), e);
        }
        return loadStaged(staged, kind, reason, expectedSha256, start);
    }

    private StagedCheckpoint stage(CheckpointRef ref, boolean waitOnce) throws SourceException {
        try {
            return source.stage(ref);
        } catch (NotYetCompleteException e) {
            if (!waitOnce || local == null) {
                throw e;
            }
            Duration wait = Duration.between(clock.instant(), ref.modified().plus(settleWindow));
            if (!wait.isNegative() && !wait.isZero()) {
                try {
                    sleeper.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new NotYetCompleteException("interrupted while waiting for " + ref.id() + " to settle");
                }
            }
            return source.stage(ref);
        }
    }

    /** A file named directly (a pinned reload, a rollback): staged as it is, its sha256 checked by the caller's expectation. */
    private Snapshot loadFile(CheckpointRef ref, ReloadKind kind, String reason, String expectedSha256) {
        Instant start = clock.instant();
        StagedCheckpoint staged;
        try {
            staged = LocalSource.LocalFiles.staged(files, ref, java.nio.file.Path.of(ref.id()));
        } catch (SourceException e) {
            recordFailure(ref, e.getMessage(), start, false);
            throw new ReloadFailedException(e.getMessage(), e);
        }
        return loadStaged(staged, kind, reason, expectedSha256, start);
    }

    private Snapshot loadStaged(StagedCheckpoint staged, ReloadKind kind, String reason, String expectedSha256, Instant start) {
        CheckpointRef ref = staged.ref();
        String expected = expectedSha256 != null ? expectedSha256 : ref.sha256().orElse(null);
        // Only a newer checkpoint replacing what serves, swapped in at once, from the local disk
        // (whose file stays where it is to be loaded again): what a pickup waits for.
        boolean optimizeLater = optimizeAfterSwap && loading.optimizes() && kind == ReloadKind.LOADED && local != null
                && rollout.policy().immediate() && state.get().serving() != null;
        var outcome = loading.load(staged, expected, optimizeLater);
        switch (outcome) {
            case CheckpointLoading.Failed f -> {
                recordFailure(ref, f.reason(), start, true);
                throw new ReloadFailedException(f.reason(), f.cause());
            }
            case CheckpointLoading.Ok ok -> {
                try {
                    source.confirmUnchanged(staged);
                } catch (NotYetCompleteException e) {
                    ok.model().close();
                    Instant recheck = ref.modified().plus(settleWindow);
                    state.pending(new ModelState.Pending(ref, e.getMessage(), recheck));
                    throw new ReloadFailedException(e.getMessage(), e);
                } catch (SourceException e) {
                    ok.model().close();
                    recordFailure(ref, e.getMessage(), start, true);
                    throw new ReloadFailedException(e.getMessage(), e);
                }
                Snapshot next = swap(staged, ok, kind, reason, start);
                if (optimizeLater && !ok.model().optimized()) {
                    scheduleReoptimise(next);
                }
                return next;
            }
        }
    }

    /**
     * Queues {@link #reoptimise} on the loader {@link #OPTIMIZE_AFTER} from now: right after the swap
     * the requests that waited for it are being answered, and on two cores an optimiser running
     * beside them delayed their answers by more than it saved (measured: a pickup's time beyond its
     * load grew from 2.3–2.7 to 3.4–3.6 ms). A closing runtime refuses it: the unoptimised model serves.
     */
    private void scheduleReoptimise(Snapshot s) {
        later(OPTIMIZE_AFTER, background, () -> reoptimise(s), () -> { });
    }

    /**
     * Loads the version {@code s} serves again, optimised, and swaps it in under the same
     * generation: the swap that put {@code s} in loaded it without the engine's optimiser, so the
     * request waiting for it did not wait for the optimiser too. The digest is checked before the
     * engine reads the file and the file's fingerprint after, so the bytes are the ones served.
     * Nothing changes when {@code s} no longer serves by then; on a failure {@code s} serves on.
     */
    private void reoptimise(Snapshot s) {
        lock.lock();
        try {
            ModelState st = state.get();
            if (st.closed() || st.serving() != s || st.rollout() != null) {
                return;
            }
            ModelVersion v = s.version;
            Instant start = clock.instant();
            StagedCheckpoint staged;
            try {
                staged = LocalSource.LocalFiles.staged(files, s.ref, v.path());
            } catch (SourceException e) {
                LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': {1} stays unoptimised: {2}", name, v.name(), e.getMessage());
                return;
            }
            switch (loading.load(staged, v.sha256(), false)) {
                case CheckpointLoading.Failed f ->
                    LOG.log(System.Logger.Level.WARNING, "model ''{0}'': {1} stays unoptimised: {2}", name, v.name(), f.reason());
                case CheckpointLoading.Ok ok -> {
                    try {
                        source.confirmUnchanged(staged);
                    } catch (SourceException e) {
                        ok.model().close();
                        LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': {1} stays unoptimised: {2}", name, v.name(), e.getMessage());
                        return;
                    }
                    if (!ok.model().optimized()) {
                        ok.model().close(); // the engine could not: nothing to gain
                        return;
                    }
                    ModelVersion optimized = new ModelVersion(v.generation(), v.name(), v.source(), v.path(), v.mtime(), v.size(),
                            v.sha256(), v.engine(), v.stateDim(), v.actionDim(), v.head(), true, v.loadDuration(),
                            v.loadedAt(), v.signer());
                    openModels.incrementAndGet();
                    Snapshot next = new Snapshot(optimized, s.ref, ok.model(), ok.head(), batcherFor(ok), openModels::decrementAndGet);
                    if (!state.serveAgain(s, next)) {
                        next.retire(); // closed, or s no longer serves
                        return;
                    }
                    if (replaced != null) {
                        replaced.retire();
                    }
                    replaced = s;
                    LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': {1} optimised in {2} ms, generation {3}", name, v.name(),
                            Duration.between(start, clock.instant()).toMillis(), v.generation());
                }
            }
        } finally {
            unlock();
        }
    }

    private Snapshot swap(StagedCheckpoint staged, CheckpointLoading.Ok ok, ReloadKind kind, String reason, Instant start) {
        Instant end = clock.instant();
        Duration took = Duration.between(start, end);
        ModelState before = state.get();
        long newGen = before.generation() + 1;
        CheckpointRef ref = staged.ref();
        ModelVersion v = new ModelVersion(newGen, ref.versionName(), ref.id(), staged.file(), ref.modified(), ok.size(), ok.sha256(),
                ok.engine(), ok.model().signature().inputWidth(), ok.head().actionDim(), ok.head().kind(), ok.model().optimized(), took, end,
                Optional.ofNullable(ok.signer()));
        openModels.incrementAndGet();
        Snapshot next = new Snapshot(v, ref, ok.model(), ok.head(), batcherFor(ok), openModels::decrementAndGet);
        if (kind == ReloadKind.LOADED && !rollout.policy().immediate() && before.serving() != null) {
            return rollout.installCandidateLocked(next, took);
        }
        StateCell.Change served = state.serve(next);
        if (served == null) {
            next.retire();
            throw new IllegalStateException("model '" + name + "' was closed during the load of " + staged.file());
        }
        ModelState prev = served.before();
        if (prev.serving() != null) {
            // Retired (and closed, when no lease holds it) after the lock is released: a request
            // waiting for this load is answered while the old model's native memory is freed.
            if (replaced != null) {
                replaced.retire();
            }
            replaced = prev.serving();
        }
        log.loaded(v);
        String said = v.signer().map(who -> reason + "; signed by " + who).orElse(reason);
        log.record(new ReloadEvent(end, kind, prev.generation(), newGen, staged.file(), said, took, null));
        if (!rollout.policy().immediate()) {
            rollout.persist(v);
        }
        return next;
    }

    private Batcher batcherFor(CheckpointLoading.Ok ok) {
        ModelSignature sig = ok.model().signature();
        if (!batching.enabled() || !sig.isRowModel()) {
            return null; // only rows can be stacked; a model of other tensors runs each request alone
        }
        int[] widths = sig.outputs().stream().mapToInt(dev.hotserve.engine.TensorSpec::width).toArray();
        return new Batcher(ok.model()::run, sig.inputWidth(), widths, batching, batchObserver, System::nanoTime, requestsInFlight);
    }

    /** Remembers a refused checkpoint ({@code remember}: not retried until it changes) and logs the event. */
    private void recordFailure(CheckpointRef ref, String reason, Instant start, boolean remember) {
        Instant now = clock.instant();
        java.nio.file.Path path = java.nio.file.Path.of(ref.id());
        ModelState after = state.failed(new ModelState.Failure(ref, new LoadFailure(path, now, reason), remember));
        long g = after.generation();
        LOG.log(System.Logger.Level.WARNING, "model ''{0}'': refused {1}: {2}", name, ref.id(), reason);
        log.record(new ReloadEvent(now, ReloadKind.FAILED, g, g, path, "load refused; generation " + g + " keeps serving",
                Duration.between(start, now), reason));
    }
}
