package dev.hotserve.core;

import dev.hotserve.batch.Batching;
import dev.hotserve.source.CheckpointSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A model that follows the newest checkpoint by itself: the core of hotserve, usable in-process
 * with no HTTP in between.
 *
 * <pre>{@code
 * HotModel policy = HotModel.builder().directory(Path.of("models/sac")).build();
 * try (var lease = policy.acquire()) {
 *     float[] action = lease.predict(state);
 * }
 * }</pre>
 *
 * <p>The invariants (one reference, one state; what a lease guarantees; when a retired model is
 * closed; why one checkpoint change causes one load; why a half-written file is never served)
 * are written down in docs/architecture.md; the parts are wired in {@link ReloadPath}.
 */
public final class HotModel implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HotModel.class.getName());

    /** Waits; injected so tests drive the settle window without wall time. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final String name;
    private final ReloadMode mode;
    private final boolean checkOnAcquire;
    private final CheckpointSource source;
    private final StateCell state;
    private final VersionLog log;
    private final Reloader reloader;
    private final HotserveRuntime runtime;
    private final boolean ownsRuntime;
    private final Consumer<LeakedLease> leakListener;
    private final int leakSampling;
    private final Poller poller;
    private final AutoCloseable watching;
    private final Batching batching;
    private final RolloutController rollout;
    private final RolloutObserver observer;
    private final CanaryRouting routing;
    private final AdminOps admin;
    private final Swap swap;

    HotModel(HotModelBuilder b) {
        this.name = b.name;
        this.mode = b.mode;
        this.checkOnAcquire = b.checkOnAcquire;
        this.batching = b.batching;
        this.leakListener = b.leakListener != null ? b.leakListener : this::logLeak;
        this.leakSampling = b.leakSampling;
        this.ownsRuntime = b.runtime == null;
        this.runtime = b.runtime != null ? b.runtime : HotserveRuntime.create();
        this.source = b.source(runtime);
        ReloadPath path = ReloadPath.assemble(b, runtime, source);
        this.state = path.state();
        this.log = path.log();
        this.reloader = path.reloader();
        this.admin = path.admin();
        this.rollout = path.rollout();
        this.observer = path.observer();
        this.routing = path.routing();
        this.swap = path.swap();
        if (!b.rollout.immediate()) {
            admin.restoreStable();
        }
        // Listeners given to the builder hear the first load too, which happens here, before polling starts.
        refreshQuietly();
        path.warmLoads().start(b.warmLoads);
        Duration every = b.pollInterval != null && !b.pollInterval.isZero() ? b.pollInterval
                : source.remote() ? HotModelBuilder.REMOTE_POLL_INTERVAL : null;
        this.poller = every == null ? null : new Poller(name, every, b.scheduler != null ? b.scheduler : runtime.scheduler(),
                runtime.loader(), reloader::poll);
        this.watching = b.watchesFiles() ? source.notifyOnChange(reloader::scheduleBackground) : () -> { };
    }

    public static HotModelBuilder builder() {
        return new HotModelBuilder();
    }

    public String name() {
        return name;
    }

    /**
     * Checks freshness (a stat or two), maybe loads a newer checkpoint (in {@link ReloadMode#BLOCKING}
     * mode, or when nothing serves yet), then leases the serving snapshot. Close the lease.
     *
     * @throws NoModelException when no model is loaded; the message says why
     * @throws IllegalStateException after {@link #close()}
     */
    public Lease acquire() {
        return acquire(null);
    }

    /**
     * As {@link #acquire()}, with the request's routing key: during a canary the same key always
     * lands on the same version (README, "Rolling out a new policy safely"). Null: split by a counter.
     */
    public Lease acquire(String routingKey) {
        if (checkOnAcquire && !state.get().closed()) {
            reloader.onRequest();
        }
        for (;;) {
            ModelState st = state.get();
            Lease.Observer observer = null;
            if (st.rollout() != null || st.guard() != null) {
                rollout.maybeAdvance(st);
                st = state.get();
                observer = st.rollout() != null || st.guard() != null ? this.observer : null;
            }
            Snapshot s = routing.route(st, routingKey);
            if (s == null) {
                if (st.closed()) {
                    throw new IllegalStateException("model '" + name + "' is closed");
                }
                throw NoModelException.of(name, st, source);
            }
            Lease lease = tryLease(s, observer);
            if (lease != null) {
                return lease;
            }
            // Retired between get() and tryAcquire(): a newer snapshot is already installed.
        }
    }

    /**
     * A lease on the stable version (OIP's {@code stable} label): what serves, never the canary's
     * candidate, whatever the routing. Checks freshness like {@link #acquire()}.
     */
    public Lease acquireStable() {
        if (checkOnAcquire && !state.get().closed()) {
            reloader.onRequest();
        }
        for (;;) {
            ModelState st = state.get();
            Snapshot s = st.serving();
            if (s == null) {
                if (st.closed()) {
                    throw new IllegalStateException("model '" + name + "' is closed");
                }
                throw NoModelException.of(name, st, source);
            }
            Lease lease = tryLease(s, st.rollout() != null || st.guard() != null ? this.observer : null);
            if (lease != null) {
                return lease;
            }
        }
    }

    /** A lease on the rollout's candidate (OIP's {@code candidate} label); no freshness check. */
    public Lease acquireCandidate() {
        for (;;) {
            ModelState st = state.get();
            ModelState.Rollout r = st.rollout();
            if (r == null) {
                throw new NoSuchVersionException("model '" + name + "' has no candidate: no rollout is under way");
            }
            Lease lease = tryLease(r.candidate(), this.observer);
            if (lease != null) {
                return lease;
            }
        }
    }

    private Lease tryLease(Snapshot s, Lease.Observer observer) {
        if (!s.tryAcquire()) {
            return null;
        }
        int n = leakSampling;
        if (n > 0 && (n == 1 || ThreadLocalRandom.current().nextInt(n) == 0)) {
            return Lease.tracked(s, observer, runtime.leaks(), name, leakListener);
        }
        return new Lease(s, observer);
    }

    /** Promotes the rollout's candidate now by hand (README, "Rolling out a new policy safely"). */
    public ModelVersion promote() {
        return admin.promote();
    }

    /** Rejects the rollout's candidate now; stable keeps serving, the file is not tried again until it changes. */
    public ModelVersion reject() {
        return admin.reject();
    }

    /** The rollout settings. */
    public RolloutPolicy rolloutPolicy() {
        return rollout.policy();
    }

    /** What serves now; no freshness check, no load. */
    public Optional<ModelVersion> current() {
        Snapshot s = state.get().serving();
        return s == null ? Optional.empty() : Optional.of(s.version);
    }

    /** Whether {@link #close()} was called: nothing serves any more and nothing will (health checks tell this from "nothing loaded yet"). */
    public boolean isClosed() {
        return state.get().closed();
    }

    /** Where the model stands, read at one moment. */
    public ModelStatus status() {
        ModelState st = state.get();
        return new ModelStatus(name, Optional.ofNullable(st.serving()).map(s -> s.version), st.generation(), st.pinned(), mode,
                source.describe(), Optional.ofNullable(st.failure()).map(ModelState.Failure::failure),
                Optional.ofNullable(st.pending()).map(p -> p.reason()), source.health(), batching,
                st.serving() == null || st.serving().batcher == null ? 0 : st.serving().batcher.queueDepth(), RolloutStatus.of(st, rollout.policy()));
    }

    /** The dynamic batching settings ({@link Batching#OFF} unless set). */
    public Batching batching() {
        return batching;
    }

    /** Requests waiting in the serving version's batch queue now; 0 without batching. */
    public int queueDepth() {
        Snapshot s = state.get().serving();
        return s == null || s.batcher == null ? 0 : s.batcher.queueDepth();
    }

    /** Loaded versions, newest first, at most {@code historySize}. */
    public List<ModelVersion> history() {
        return log.history();
    }

    /** The reload log, newest first, at most {@code eventLogSize}. */
    public List<ReloadEvent> events() {
        return log.events();
    }

    /**
     * Loads the current checkpoint again even if unchanged (the pinned file while pinned), raising
     * the generation. A file still being written is waited for, one settle window at most.
     *
     * @throws NoModelException when there is no checkpoint
     * @throws ReloadFailedException when the load is refused; the previous model keeps serving
     */
    public ModelVersion reload() {
        return admin.reload();
    }

    /**
     * Loads the file of history entry {@code generation} (still on disk, same sha256) as a new
     * generation and pins it: newer checkpoints are not followed until {@link #unpin()}.
     *
     * @throws UnknownGenerationException when the history holds no such generation
     * @throws ReloadFailedException when the file is gone, changed or refused; the previous model keeps serving
     */
    public ModelVersion rollback(long generation) {
        return admin.rollback(generation);
    }

    /** Follows the newest checkpoint again, loading it now if it differs from what serves. */
    public ModelStatus unpin() {
        admin.unpin();
        return status();
    }

    /** Checks freshness now and loads a newer checkpoint on this thread. */
    public void refresh() {
        reloader.refresh();
    }

    /** Called after each event is recorded, on the thread that recorded it. */
    public void addListener(Consumer<ReloadEvent> listener) {
        log.addListener(listener);
    }

    /**
     * Stops polling and retires the serving model, which closes when its last lease ends.
     * {@link #acquire()} then throws {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        if (state.get().closed()) {
            return;
        }
        if (poller != null) {
            poller.cancel();
        }
        try {
            watching.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "model '" + name + "': ending the directory watch failed", e);
        }
        reloader.close();
        source.close();
        if (ownsRuntime) {
            runtime.close();
        }
    }

    /** Models loaded and not yet closed (the serving one and retired ones still leased). For tests. */
    int openModels() {
        return swap.openModels();
    }

    @Override
    public String toString() {
        Snapshot s = state.get().serving();
        return "HotModel[" + name + ", " + source.describe() + ", "
                + (s == null ? "nothing loaded" : "generation " + s.version.generation() + " " + s.version.path()) + "]";
    }

    private void refreshQuietly() {
        try {
            reloader.refresh();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "model '" + name + "': first load failed", e);
        }
    }

    private void logLeak(LeakedLease leak) {
        LOG.log(System.Logger.Level.WARNING, "model '" + leak.model() + "': a lease on generation " + leak.version().generation()
                + " was never closed; it was acquired here:", leak.acquiredAt());
    }
}
