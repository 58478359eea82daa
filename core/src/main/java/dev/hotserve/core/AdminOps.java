package dev.hotserve.core;

import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.LocalFiles;
import dev.hotserve.source.SourceException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The explicit operations on a model: reload, rollback, unpin, promote, reject, and the restore of
 * the stable version at start-up. Each takes the reload lock for its whole length, ends any rollout
 * first (but promote and reject, which decide it), and loads through the same {@link Reloader}
 * path as a pickup.
 */
final class AdminOps {

    private static final System.Logger LOG = System.getLogger(AdminOps.class.getName());

    private final String name;
    private final StateCell state;
    private final ReloadLock lock;
    private final CheckpointSource source;
    private final LocalFiles localFiles;
    private final Reloader reloader;
    private final Swap swap;
    private final RolloutController rollout;
    private final VersionLog log;
    private final InstantSource clock;

    AdminOps(String name, StateCell state, ReloadLock lock, CheckpointSource source, LocalFiles localFiles, Reloader reloader, Swap swap,
            RolloutController rollout, VersionLog log, InstantSource clock) {
        this.name = name;
        this.state = state;
        this.lock = lock;
        this.source = source;
        this.localFiles = localFiles;
        this.reloader = reloader;
        this.swap = swap;
        this.rollout = rollout;
        this.log = log;
        this.clock = clock;
    }

    /** Loads the current checkpoint again even if unchanged (the pinned file while pinned). */
    ModelVersion reload() {
        lock.acquire();
        try {
            supersedeRollout("an explicit reload");
            ModelState st = requireOpen();
            Snapshot s = st.serving();
            if (st.pinned() && s != null) {
                CheckpointRef ref = statOrRefuse(s.version.path()).orElseThrow(() -> new NoModelException(
                        "model '" + name + "' is pinned to " + s.version.path() + ", which is no longer on disk"));
                return reloader.loadFromDiskLocked(ref, s.version.path(), ReloadKind.FORCED, "forced reload", Optional.empty()).version;
            }
            CheckpointRef ref = currentForExplicit()
                    .orElseThrow(() -> new NoModelException("model '" + name + "': no checkpoint found at " + source.describe()));
            return reloader.loadLocked(ref, ReloadKind.FORCED, "forced reload", Pickup.Settle.WAIT_ONCE).version;
        } finally {
            lock.release();
        }
    }

    /** Loads history entry {@code generation}'s file (same sha256) as a new generation and pins it. */
    ModelVersion rollback(long generation) {
        lock.acquire();
        try {
            requireOpen();
            supersedeRollout("an explicit rollback");
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
            Optional<CheckpointRef> ref = statOrRefuse(target.path());
            if (ref.isEmpty()) {
                String reason = "cannot roll back to generation " + generation + ": " + target.path() + " is no longer on disk";
                swap.refused(LocalFiles.ref(target.path(), target.mtime(), target.size()), reason, clock.instant(), Pickup.Remember.NO);
                throw new ReloadFailedException(reason);
            }
            Snapshot s = reloader.loadFromDiskLocked(ref.get(), target.path(), ReloadKind.ROLLED_BACK, "rollback to generation " + generation,
                    Optional.of(target.sha256()));
            state.pin();
            log.record(new ReloadEvent(clock.instant(), ReloadKind.PINNED, s.version.generation(), s.version.generation(), s.version.path(),
                    "pinned by the rollback to generation " + generation, Duration.ZERO, null));
            return s.version;
        } finally {
            lock.release();
        }
    }

    /** Follows the newest checkpoint again, loading it now if it differs from what serves. */
    void unpin() {
        lock.acquire();
        try {
            supersedeRollout("an unpin");
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
            if (reloader.freshness().decideFollowing(state.get(), current) instanceof Freshness.Load load) {
                try {
                    reloader.loadLocked(load.ref(), ReloadKind.LOADED, "unpinned: following the newest file", Pickup.Settle.WAIT_ONCE);
                } catch (ReloadFailedException e) {
                    // Recorded as a FAILED event and the last error; unpin itself succeeded.
                    LOG.log(System.Logger.Level.DEBUG, "after unpin: {0}", e.getMessage());
                }
            }
        } finally {
            lock.release();
        }
    }

    /** Promotes the candidate now. */
    ModelVersion promote() {
        lock.acquire();
        try {
            requireOpen();
            return rollout.promoteByHandLocked();
        } finally {
            lock.release();
        }
    }

    /** Rejects the candidate now; it is not tried again until its file changes. */
    ModelVersion reject() {
        lock.acquire();
        try {
            requireOpen();
            return rollout.rejectByHandLocked();
        } finally {
            lock.release();
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
        lock.acquire();
        try {
            switch (recorded) {
                case StableVersionFile.Ignored ignored -> {
                    LOG.log(System.Logger.Level.WARNING, "model ''{0}'': not restoring the stable version written down: {1}", name,
                            ignored.reason());
                    log.record(new ReloadEvent(clock.instant(), ReloadKind.RESTORE_IGNORED, 0, 0, null, ignored.reason(), Duration.ZERO,
                            null));
                }
                case StableVersionFile.Restorable stable -> {
                    Optional<CheckpointRef> ref = localFiles.stat(stable.path());
                    if (ref.isPresent()) {
                        reloader.loadFromDiskLocked(ref.get(), stable.path(), ReloadKind.LOADED,
                                "restored the stable version written down before the restart", Optional.of(stable.sha256()));
                    }
                }
                case StableVersionFile.Absent absent -> { }
            }
        } catch (SourceException | ReloadFailedException e) {
            LOG.log(System.Logger.Level.WARNING, "model ''{0}'': cannot restore the stable version {1}: {2}", name, recorded, e.getMessage());
        } finally {
            lock.release();
        }
    }

    /** An explicit operation ends any rollout: the candidate is dropped and a guard's previous version released. */
    private void supersedeRollout(String what) {
        rollout.dropCandidateLocked("superseded by " + what);
        rollout.endGuardLocked("superseded by " + what);
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
            return source.currentLookingAgain();
        } catch (SourceException e) {
            throw new ReloadFailedException(e.getMessage(), e);
        }
    }

    private Optional<CheckpointRef> statOrRefuse(Path p) {
        try {
            return localFiles.stat(p);
        } catch (SourceException e) {
            throw new ReloadFailedException(e.getMessage(), e);
        }
    }
}
