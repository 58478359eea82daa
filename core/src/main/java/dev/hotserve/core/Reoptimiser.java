package dev.hotserve.core;

import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.LocalFiles;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.StagedCheckpoint;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.Executor;

/**
 * Loads a freshly swapped-in version again with the engine's optimiser and swaps that in under the
 * same generation. The swap that put it in loaded it without the optimiser, so the request waiting
 * for the pickup did not wait for the optimiser too (see {@link CheckpointLoading.Optimise}).
 */
final class Reoptimiser {

    private static final System.Logger LOG = System.getLogger(Reoptimiser.class.getName());

    /**
     * How long after a swap the re-optimisation starts: right after the swap the requests that
     * waited for it are being answered, and on two cores an optimiser running beside them delayed
     * their answers by more than it saved (measured: a pickup's time beyond its load grew from
     * 2.3–2.7 to 3.4–3.6 ms).
     */
    static final Duration OPTIMIZE_AFTER = Duration.ofMillis(50);

    private final String name;
    private final StateCell state;
    private final ReloadLock lock;
    private final CheckpointSource source;
    private final LocalFiles localFiles;
    private final CheckpointLoading loading;
    private final Swap swap;
    private final InstantSource clock;
    private final Executor background;
    private final ReloadLock.Later later;

    Reoptimiser(String name, StateCell state, ReloadLock lock, CheckpointSource source, LocalFiles localFiles, CheckpointLoading loading,
            Swap swap, InstantSource clock, Executor background, ReloadLock.Later later) {
        this.name = name;
        this.state = state;
        this.lock = lock;
        this.source = source;
        this.localFiles = localFiles;
        this.loading = loading;
        this.swap = swap;
        this.clock = clock;
        this.background = background;
        this.later = later;
    }

    /** Queues the re-optimisation of {@code s} on the loader; a closing runtime refuses it and {@code s} serves unoptimised. */
    void schedule(Snapshot s) {
        later.run(OPTIMIZE_AFTER, background, () -> reoptimise(s), () -> { });
    }

    /**
     * The digest is checked before the engine reads the file and the file's fingerprint after, so
     * the bytes are the ones served. Nothing changes when {@code s} no longer serves by then; on a
     * failure {@code s} serves on.
     */
    private void reoptimise(Snapshot s) {
        lock.acquire();
        try {
            ModelState st = state.get();
            if (st.closed() || st.serving() != s || st.rollout() != null) {
                return;
            }
            ModelVersion v = s.version;
            Instant start = clock.instant();
            StagedCheckpoint staged;
            try {
                staged = localFiles.staged(s.ref, v.path());
            } catch (SourceException e) {
                LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': {1} stays unoptimised: {2}", name, v.name(), e.getMessage());
                return;
            }
            switch (loading.load(staged, java.util.Optional.of(v.sha256()), CheckpointLoading.Optimise.NOW)) {
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
                    if (swap.serveAgain(s, ok)) {
                        LOG.log(System.Logger.Level.DEBUG, "model ''{0}'': {1} optimised in {2} ms, generation {3}", name, v.name(),
                                Duration.between(start, clock.instant()).toMillis(), v.generation());
                    }
                }
            }
        } finally {
            lock.release();
        }
    }
}
