package dev.hotserve.core;

import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.LocalFiles;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * The parts of one model's reload path, made and wired once (see docs/architecture.md, "The
 * stages of a reload"): the {@link StateCell} and its lock, the log, the rollout, and the stages
 * a checkpoint goes through — {@link Reloader} (single flight), {@link Pickup} (stage, load,
 * confirm), {@link Swap} (the state it enters), {@link Reoptimiser} — the {@link AdminOps} and the {@link WarmLoads}.
 */
record ReloadPath(StateCell state, VersionLog log, Reloader reloader, AdminOps admin, RolloutController rollout,
        RolloutObserver observer, CanaryRouting routing, Swap swap, WarmLoads warmLoads) {

    static ReloadPath assemble(HotModelBuilder b, HotserveRuntime runtime, CheckpointSource source) {
        String name = b.name;
        ReentrantLock raw = new ReentrantLock();
        StateCell state = new StateCell(raw);
        VersionLog log = new VersionLog(name, b.historySize, b.eventLogSize, b.listeners, raw);
        ScheduledExecutorService scheduler = b.scheduler != null ? b.scheduler : runtime.scheduler();
        ReloadLock.Later later = new ReloadLock.Later(scheduler);
        ReloadLock lock = new ReloadLock(raw, log, later, b.followUpOnLoader ? runtime.loader() : null);
        Executor background = b.executor != null ? b.executor : runtime.loader();
        LocalFiles localFiles = new LocalFiles(b.files);
        CheckpointLoading loading = new CheckpointLoading(b.loader != null ? b.loader : runtime.engines()::load, b.loadOptions,
                b.expectedStateDim, b.files, runtime.loader(), b.signatureCheck(), runtime.privateCopies());
        AtomicInteger openModels = new AtomicInteger();
        RolloutController rollout = new RolloutController(name, b.rollout, state, log, b.clock,
                new ShadowQueue.Settings(b.shadowExecutor != null ? b.shadowExecutor : runtime.shadow(), runtime.shadowQueue()), lock,
                openModels::decrementAndGet, b.rollout.stateFile().map(f -> new StableVersionFile(f, name, source, b.clock)));
        // The library's default: the leases open on the serving version (a request holds one from
        // acquire to close), which is what an application's concurrent requests look like here.
        IntSupplier inFlight = b.requestsInFlight != null ? b.requestsInFlight : () -> {
            Snapshot s = state.get().serving();
            return s == null ? 0 : s.leases();
        };
        Swap swap = new Swap(name, state, lock, log, b.clock, rollout, b.batching, b.batchObserver, inFlight, openModels);
        Pickup pickup = new Pickup(source, localFiles, loading, b.clock, b.sleeper, b.settleWindow);
        Reoptimiser reoptimiser = new Reoptimiser(name, state, lock, source, localFiles, loading, swap, b.clock, background, later);
        Reloader.OptimizeAfterSwap optimizeAfterSwap = b.optimizeAfterSwap && loading.optimizes() ? Reloader.OptimizeAfterSwap.YES
                : Reloader.OptimizeAfterSwap.NO;
        Reloader reloader = new Reloader(name, state, lock, source, pickup, swap, reoptimiser, rollout,
                new Reloader.Settings(b.mode, b.clock, b.sleeper, background, optimizeAfterSwap));
        AdminOps admin = new AdminOps(name, state, lock, source, localFiles, reloader, swap, rollout, log, b.clock);
        return new ReloadPath(state, log, reloader, admin, rollout, new RolloutObserver(state, rollout), new CanaryRouting(b.rollout), swap,
                new WarmLoads(name, state, localFiles, loading, background));
    }
}
