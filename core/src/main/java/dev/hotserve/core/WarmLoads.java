package dev.hotserve.core;

import dev.hotserve.source.LocalFiles;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.StagedCheckpoint;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs the load path on the serving checkpoint a few times after the first load and throws the
 * models away. A server loads one checkpoint at start-up and the next one hours later; by then its
 * request path is compiled, but that next load runs the load path for the second time only, with
 * the hashing, the engine's wrapper and the checks still interpreted (measured: the first pickup's
 * load took 12.5 ms, later ones 3.4 ms). These loads happen off the request path and outside the
 * reload lock, one per task on the shared loader so that other models' work interleaves, and stop
 * as soon as another version serves or the model closes. They are not reload events.
 */
final class WarmLoads {

    private static final System.Logger LOG = System.getLogger(WarmLoads.class.getName());

    private final String name;
    private final StateCell state;
    private final LocalFiles localFiles;
    private final CheckpointLoading loading;
    private final Executor background;

    WarmLoads(String name, StateCell state, LocalFiles localFiles, CheckpointLoading loading, Executor background) {
        this.name = name;
        this.state = state;
        this.localFiles = localFiles;
        this.loading = loading;
        this.background = background;
    }

    /** Queues {@code times} loads of what serves now; nothing when nothing serves. */
    void start(int times) {
        Snapshot s = state.get().serving();
        if (s != null && times > 0) {
            next(s, times);
        }
    }

    private void next(Snapshot s, int left) {
        try {
            background.execute(() -> {
                if (once(s, left)) {
                    next(s, left - 1);
                }
            });
        } catch (RejectedExecutionException e) {
            // the runtime is closing
        }
    }

    /** One load, as a pickup makes it (its digest beside the engine's read, the optimiser as a pickup and its follow-up run it); whether to go on. */
    private boolean once(Snapshot s, int left) {
        ModelState st = state.get();
        if (st.closed() || st.serving() != s) {
            return false;
        }
        StagedCheckpoint staged;
        try {
            staged = localFiles.staged(s.ref, s.version.path());
        } catch (SourceException e) {
            LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': warm loads stop: {1}", name, e.getMessage());
            return false;
        }
        CheckpointLoading.Optimise optimise = left % 2 == 0 ? CheckpointLoading.Optimise.AFTER_SWAP : CheckpointLoading.Optimise.NOW;
        return switch (loading.load(staged, Optional.empty(), optimise)) {
            case CheckpointLoading.Ok ok -> {
                ok.model().close();
                yield left > 1;
            }
            case CheckpointLoading.Failed f -> {
                LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': warm loads stop: {1}", name, f.reason());
                yield false;
            }
        };
    }
}
