package dev.hotserve.core;

import dev.hotserve.batch.BatchObserver;
import dev.hotserve.batch.Batcher;
import dev.hotserve.batch.Batching;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.TensorSpec;
import dev.hotserve.source.CheckpointRef;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Turns a {@link Pickup.Outcome} into the model's next state, under the reload lock: a ready model
 * serves as the next generation (or goes on trial as the rollout's candidate), a pending checkpoint
 * is remembered, a refusal is recorded. Every load's event is written here, and every served
 * {@link Snapshot} is made here, so each is counted in {@link #openModels()} until it closes.
 */
final class Swap {

    private static final System.Logger LOG = System.getLogger(Swap.class.getName());

    /**
     * How far a checkpoint's mtime may lie ahead of the clock before its load says so: a directory's
     * newest file wins by mtime, so a file dated in the future hides every checkpoint written after
     * it until the clock passes it.
     */
    static final Duration FUTURE_MTIME_SLACK = Duration.ofSeconds(5);

    private final String name;
    private final StateCell state;
    private final ReloadLock lock;
    private final VersionLog log;
    private final InstantSource clock;
    private final RolloutController rollout;
    private final Batching batching;
    private final BatchObserver batchObserver;
    private final IntSupplier requestsInFlight;
    private final AtomicInteger openModels;

    Swap(String name, StateCell state, ReloadLock lock, VersionLog log, InstantSource clock, RolloutController rollout, Batching batching,
            BatchObserver batchObserver, IntSupplier requestsInFlight, AtomicInteger openModels) {
        this.name = name;
        this.state = state;
        this.lock = lock;
        this.log = log;
        this.clock = clock;
        this.rollout = rollout;
        this.batching = batching;
        this.batchObserver = batchObserver;
        this.requestsInFlight = requestsInFlight;
        this.openModels = openModels;
    }

    /**
     * Applies {@code outcome} as a load of {@code kind}; returns the snapshot that now serves (or is
     * on trial).
     *
     * @throws ReloadFailedException when it was pending or refused: what served keeps serving
     */
    Snapshot apply(Pickup.Outcome outcome, ReloadKind kind, String reason) {
        return switch (outcome) {
            case Pickup.Ready ready -> swapIn(ready, kind, reason);
            case Pickup.Pending p -> {
                state.pending(p.pending());
                throw new ReloadFailedException(p.pending().reason(), p.cause());
            }
            case Pickup.Refused r -> {
                refused(r.ref(), r.reason(), r.start(), r.remember());
                throw new ReloadFailedException(r.reason(), r.cause());
            }
        };
    }

    /** Remembers a refused checkpoint (per {@code remember}) and records the event. */
    void refused(CheckpointRef ref, String reason, Instant start, Pickup.Remember remember) {
        Instant now = clock.instant();
        Path path = Path.of(ref.id());
        ModelState after = state.failed(new ModelState.Failure(ref, new LoadFailure(path, now, reason), remember == Pickup.Remember.UNTIL_CHANGED));
        long g = after.generation();
        LOG.log(System.Logger.Level.WARNING, "model ''{0}'': refused {1}: {2}", name, ref.id(), reason);
        log.record(new ReloadEvent(now, ReloadKind.FAILED, g, g, path, "load refused; generation " + g + " keeps serving",
                Duration.between(start, now), reason));
    }

    /**
     * {@code ok}, the version {@code s} serves loaded again with the optimiser, serves instead of it
     * under the same generation; false (and {@code ok} closed) when {@code s} no longer serves.
     */
    boolean serveAgain(Snapshot s, CheckpointLoading.Ok ok) {
        Snapshot next = snapshot(s.version.optimizedAgain(), s.ref, ok);
        if (!state.serveAgain(s, next)) {
            next.retire();
            return false;
        }
        lock.retireOnRelease(s);
        return true;
    }

    int openModels() {
        return openModels.get();
    }

    private Snapshot swapIn(Pickup.Ready ready, ReloadKind kind, String reason) {
        Instant end = clock.instant();
        Duration took = Duration.between(ready.start(), end);
        ModelState before = state.get();
        ModelVersion v = ModelVersion.of(before.generation() + 1, ready.staged(), ready.ok(), took, end);
        Snapshot next = snapshot(v, ready.staged().ref(), ready.ok());
        if (kind == ReloadKind.LOADED && !rollout.policy().immediate() && before.serving() != null) {
            Snapshot candidate = rollout.installCandidateLocked(next, took);
            noteFutureMtime(v, end);
            return candidate;
        }
        StateCell.Change served = state.serve(next);
        if (served == null) {
            next.retire();
            throw new IllegalStateException("model '" + name + "' was closed during the load of " + v.path());
        }
        ModelState prev = served.before();
        if (prev.serving() != null) {
            lock.retireOnRelease(prev.serving());
        }
        log.loaded(v);
        String said = v.signer().map(who -> reason + "; signed by " + who).orElse(reason);
        log.record(new ReloadEvent(end, kind, prev.generation(), v.generation(), v.path(), said, took, null));
        noteFutureMtime(v, end);
        if (!rollout.policy().immediate()) {
            rollout.persist(v);
        }
        return next;
    }

    /** A version whose file is dated in the future serves (it is the newest), and an event says what it hides. */
    private void noteFutureMtime(ModelVersion v, Instant now) {
        if (v.mtime().isAfter(now.plus(FUTURE_MTIME_SLACK))) {
            long g = state.get().generation();
            String why = v.name() + "'s mtime " + v.mtime() + " lies " + Duration.between(now, v.mtime()).toSeconds()
                    + " s in the future: until the clock passes it, no checkpoint written later is newer";
            LOG.log(System.Logger.Level.WARNING, "model ''{0}'': {1}", name, why);
            log.record(new ReloadEvent(now, ReloadKind.FUTURE_MTIME, g, g, v.path(), why, Duration.ZERO, null));
        }
    }

    private Snapshot snapshot(ModelVersion v, CheckpointRef ref, CheckpointLoading.Ok ok) {
        openModels.incrementAndGet();
        return new Snapshot(v, ref, ok.model(), ok.head(), batcherFor(v, ok), openModels::decrementAndGet);
    }

    private Batcher batcherFor(ModelVersion v, CheckpointLoading.Ok ok) {
        ModelSignature sig = ok.model().signature();
        if (!batching.enabled() || !sig.isRowModel()) {
            return null; // only rows can be stacked; a model of other tensors runs each request alone
        }
        int[] widths = sig.outputs().stream().mapToInt(TensorSpec::width).toArray();
        return new Batcher(ok.model()::run, sig.inputWidth(), widths, batching, batchObserver.forVersion(v), System::nanoTime,
                requestsInFlight);
    }
}
