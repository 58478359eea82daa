package dev.hotserve.core;

import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.Glance;
import dev.hotserve.source.SourceException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Single flight for a model's loads: notices that the source names something new (on a request,
 * a poll, a directory event), and makes sure that of everyone who noticed one change only the
 * first loads it, under the {@link ReloadLock}; the others are answered by what serves or wait for
 * that one load. The load itself is a {@link Pickup} applied by the {@link Swap}; the background
 * queue holds at most one task per model.
 */
final class Reloader {

    private static final System.Logger LOG = System.getLogger(Reloader.class.getName());

    /** The settings of the reload path a model is built with. */
    record Settings(ReloadMode mode, InstantSource clock, HotModel.Sleeper sleeper, Executor background, OptimizeAfterSwap optimizeAfterSwap) {}

    /**
     * Whether a newer checkpoint replacing what serves loads unoptimised and is optimised right
     * after its swap (only where the engine optimises at all).
     */
    enum OptimizeAfterSwap { YES, NO }

    private final String name;
    private final StateCell state;
    private final ReloadLock lock;
    private final CheckpointSource source;
    private final Freshness freshness;
    private final Pickup pickup;
    private final Swap swap;
    private final Reoptimiser reoptimiser;
    private final RolloutController rollout;
    private final Settings settings;
    private final AtomicBoolean queued = new AtomicBoolean();

    Reloader(String name, StateCell state, ReloadLock lock, CheckpointSource source, Pickup pickup, Swap swap, Reoptimiser reoptimiser,
            RolloutController rollout, Settings settings) {
        this.name = name;
        this.state = state;
        this.lock = lock;
        this.source = source;
        this.freshness = new Freshness(source.newestWins(), settings.clock());
        this.pickup = pickup;
        this.swap = swap;
        this.reoptimiser = reoptimiser;
        this.rollout = rollout;
        this.settings = settings;
        lock.onRecheck(this::scheduleBackground);
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
        boolean offPath = serving && (settings.mode() == ReloadMode.BACKGROUND || source.remote());
        Optional<CheckpointRef> current;
        try {
            if (offPath) {
                if (!(source.glance() instanceof Glance.Seen seen)) {
                    scheduleBackground(); // only a listing can tell: the background lists
                    return;
                }
                current = seen.current();
            } else {
                current = source.current();
            }
        } catch (SourceException e) {
            onSourceError(e);
            return;
        }
        if (st.sourceError() != null) { // read first: no shared write on every request
            state.sourceReadable();
        }
        switch (freshness.decide(st, current)) {
            case Freshness.UpToDate u -> { }
            case Freshness.NoCheckpoint n -> { }
            case Freshness.NotYetComplete n -> {
                if (!serving && settings.mode() == ReloadMode.BLOCKING) {
                    waitThenLoadForRequest(n.pending());
                }
            }
            case Freshness.Load load -> {
                if (offPath || source.remote()) {
                    scheduleBackground();
                    return;
                }
                loadLatestForRequest();
                ModelState after = state.get();
                if (after.serving() == null && after.pending() != null && settings.mode() == ReloadMode.BLOCKING) {
                    waitThenLoadForRequest(after.pending());
                }
            }
        }
    }

    /** Nothing serves yet and the checkpoint may still be being written: wait its settle window out once. */
    private void waitThenLoadForRequest(ModelState.Pending pending) {
        Duration wait = Duration.between(settings.clock().instant(), pending.recheckAt());
        if (!wait.isNegative() && !wait.isZero()) {
            try {
                settings.sleeper().sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        loadLatestForRequest();
    }

    /** {@link #loadLatestLocked()} for a request that waits: its swap's follow-up may be handed off. */
    private void loadLatestForRequest() {
        lock.acquire();
        try {
            loadLatestLocked();
        } finally {
            lock.releaseAnswering();
        }
    }

    /** Loads on this thread whatever is news (the poller, the background task, {@link HotModel#refresh()}). */
    void refresh() {
        if (state.get().closed()) {
            return;
        }
        lock.acquire();
        try {
            loadLatestLocked();
        } finally {
            lock.release();
        }
    }

    /** The poller's round: a remote source asks its store first. */
    void poll() {
        if (state.get().closed()) {
            return;
        }
        source.poll();
        refresh();
    }

    /**
     * The background task's refresh: a load under way (a request's, the poller's) is not waited
     * for. Its holder looks again, or has it looked at, when it releases the lock: in blocking mode
     * the request after a rename is loading what the watch's task would, and a loader thread that
     * waited for it woke beside that request's answer.
     */
    private void refreshUnlessBusy() {
        if (state.get().closed() || !lock.acquireOrAskForRecheck()) {
            return;
        }
        try {
            loadLatestLocked();
        } finally {
            lock.release();
        }
    }

    void scheduleBackground() {
        if (!queued.compareAndSet(false, true)) {
            return; // one queued at a time: it will see this change too
        }
        try {
            settings.background().execute(() -> {
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

    /** Looks again under the lock and loads what the source names if it is still news. */
    private void loadLatestLocked() {
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
        if (freshness.decide(st, current) instanceof Freshness.Load load) {
            try {
                loadLocked(load.ref(), ReloadKind.LOADED, load.reason(), Pickup.Settle.NO_WAIT);
            } catch (ReloadFailedException e) {
                // Recorded (a FAILED event, or the file is pending); the previous model keeps serving.
                LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': {1}", name, e.getMessage());
            }
        }
    }

    private void onSourceError(SourceException e) {
        String msg = e.getMessage();
        if (state.sourceFailed(msg)) {
            LOG.log(System.Logger.Level.WARNING, "model '" + name + "': " + msg, e);
        }
    }

    // ---------------------------------------------------------------- loading (the lock is held)

    /**
     * Picks up {@code ref} from the source and swaps it in. On failure the previous snapshot keeps
     * serving, the failure is recorded (or the checkpoint remembered as pending) and
     * {@link ReloadFailedException} thrown.
     */
    Snapshot loadLocked(CheckpointRef ref, ReloadKind kind, String reason, Pickup.Settle settle) {
        if (kind == ReloadKind.LOADED && state.get().rollout() != null) {
            // Never three versions loaded: the candidate goes before its replacement loads.
            rollout.dropCandidateLocked("replaced by the newer checkpoint " + ref.versionName());
        }
        // Only a newer checkpoint replacing what serves, swapped in at once, from a file that stays
        // where it is to be loaded again: what a pickup waits for.
        boolean optimizeLater = settings.optimizeAfterSwap() == OptimizeAfterSwap.YES && kind == ReloadKind.LOADED
                && !source.remote() && rollout.policy().immediate() && state.get().serving() != null;
        Snapshot next = swap.apply(pickup.fromSource(ref, settle,
                optimizeLater ? CheckpointLoading.Optimise.AFTER_SWAP : CheckpointLoading.Optimise.NOW), kind, reason);
        if (optimizeLater && !next.model.optimized()) {
            reoptimiser.schedule(next);
        }
        return next;
    }

    /** A file on this disk named directly (a pinned reload, a rollback, a restore) swapped in; failures as {@link #loadLocked}. */
    Snapshot loadFromDiskLocked(CheckpointRef ref, Path file, ReloadKind kind, String reason, Optional<String> expectedSha256) {
        return swap.apply(pickup.fromDisk(ref, file, expectedSha256, CheckpointLoading.Optimise.NOW), kind, reason);
    }

    Freshness freshness() {
        return freshness;
    }

    /** Retires what serves (closed when its last lease ends); loads finishing later are discarded. */
    void close() {
        lock.acquire();
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
            lock.retireHandedOff(); // a follow-up the loader has not run yet (or never will, once shut down)
        } finally {
            lock.release();
        }
    }
}
