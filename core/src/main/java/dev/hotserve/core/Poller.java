package dev.hotserve.core;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A model's poll, every interval on the runtime's shared scheduler. The scheduler's tick only
 * queues the round on the loader, at most one at a time: a slow store never holds up the
 * scheduler that every model shares.
 */
final class Poller {

    private static final System.Logger LOG = System.getLogger(Poller.class.getName());

    private final String name;
    private final Executor loader;
    private final Runnable round;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final ScheduledFuture<?> ticks;

    Poller(String name, Duration every, ScheduledExecutorService scheduler, Executor loader, Runnable round) {
        this.name = name;
        this.loader = loader;
        this.round = round;
        long nanos = every.toNanos();
        this.ticks = scheduler.scheduleWithFixedDelay(this::queue, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    void cancel() {
        ticks.cancel(false);
    }

    private void queue() {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            loader.execute(() -> {
                try {
                    round.run();
                } catch (RuntimeException e) {
                    // The poller must survive a bad round; the failure is logged, not swallowed.
                    LOG.log(System.Logger.Level.WARNING, "model '" + name + "': poll failed", e);
                } finally {
                    queued.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            queued.set(false);
        }
    }
}
