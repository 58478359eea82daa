package dev.hotserve.core;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A model's reload lock and what its last release does: one load at a time per model (of all the
 * requests that notice one change only the first loads it), and what happened under the lock told
 * and cleaned up outside it.
 *
 * <p>What a reader may assume:
 * <ul>
 *   <li>A swap hands the snapshot it replaced to {@link #retireOnRelease}; the last release retires
 *       it and delivers the events recorded under the lock, both after unlocking, so a request
 *       waiting on the lock goes on while the old model's native memory is freed.
 *   <li>After a request's swap ({@link #releaseAnswering}) that follow-up may go to the follow-up
 *       executor instead, {@link #FOLLOW_UP_AFTER} later: the request's answer goes first. A
 *       follow-up not run by {@link #retireHandedOff()} time is retired there, so each replaced
 *       snapshot is retired once whatever the executors do.
 *   <li>A background look skipped because the lock was held ({@link #recheckOnRelease}) is made by
 *       the last release.
 * </ul>
 */
final class ReloadLock {

    /** How long after a request's swap its follow-up runs: past the answers the swap released. */
    static final Duration FOLLOW_UP_AFTER = Duration.ofMillis(5);

    private final ReentrantLock lock;
    private final VersionLog log;
    private final Later later;
    /** Where a request's swap leaves its follow-up; null: the request's own thread. */
    private final Executor followUp;
    private final AtomicBoolean recheck = new AtomicBoolean();
    private final Set<Snapshot> handedOff = ConcurrentHashMap.newKeySet();
    private Runnable lookAgain = () -> { };
    /** The snapshot a swap replaced, retired once the lock is released; guarded by the lock. */
    private Snapshot replaced;

    /** @param log the model's log, made with {@code lock} as its reload lock */
    ReloadLock(ReentrantLock lock, VersionLog log, Later later, Executor followUp) {
        this.lock = lock;
        this.log = log;
        this.later = later;
        this.followUp = followUp;
    }

    /** What a release runs when a background look was skipped meanwhile. */
    void onRecheck(Runnable lookAgain) {
        this.lookAgain = lookAgain;
    }

    void acquire() {
        lock.lock();
    }

    /** Takes the lock if free; whether it was taken. */
    boolean tryAcquire() {
        return lock.tryLock();
    }

    /** Takes the lock if free, else asks its holder to look again when it releases it; whether it was taken. */
    boolean acquireOrAskForRecheck() {
        recheck.set(true);
        if (!lock.tryLock()) {
            return false;
        }
        recheck.set(false);
        return true;
    }

    boolean heldHere() {
        return lock.isHeldByCurrentThread();
    }

    /** Under the lock: {@code s} was replaced; retire it after the last release (and an earlier one now). */
    void retireOnRelease(Snapshot s) {
        if (replaced != null) {
            replaced.retire();
        }
        replaced = s;
    }

    /** Releases the lock; the last release delivers, retires and looks again on this thread. */
    void release() {
        Released r = unlock();
        if (r != null) {
            finish(r);
        }
    }

    /** As {@link #release()}, when a request waits for the answer: the follow-up may be handed off. */
    void releaseAnswering() {
        Released r = unlock();
        if (r == null) {
            return;
        }
        if (r.replaced() == null || followUp == null || !handOff(r)) {
            finish(r);
        }
    }

    /** Retires the follow-ups not run yet (the model closes; the loader may never run them). */
    void retireHandedOff() {
        handedOff.forEach(Snapshot::retire);
    }

    /** What the last release leaves to do outside the lock. */
    private record Released(Snapshot replaced, boolean recorded, boolean lookAgain) {}

    /** Unlocks; null unless this was the last release. */
    private Released unlock() {
        if (lock.getHoldCount() != 1) {
            lock.unlock();
            return null;
        }
        Snapshot r = replaced;
        replaced = null;
        boolean recorded = log.takeRecordedUnderLock();
        lock.unlock();
        // Read after the unlock: a background look skipped up to here is made below.
        return new Released(r, recorded, recheck.getAndSet(false));
    }

    private void finish(Released r) {
        if (r.recorded()) {
            log.deliver();
        }
        if (r.replaced() != null) {
            r.replaced().retire();
        }
        if (r.lookAgain()) {
            lookAgain.run();
        }
    }

    /** Leaves {@link #finish} of a release that replaced a snapshot to the follow-up executor; false when refused. */
    private boolean handOff(Released r) {
        Snapshot s = r.replaced();
        handedOff.add(s);
        Runnable task = () -> {
            log.deliver();
            s.retire();
            handedOff.remove(s);
            if (r.lookAgain()) {
                lookAgain.run();
            }
        };
        // A loader closing by then: run on the scheduler's thread, so nothing is left undone.
        if (later.run(FOLLOW_UP_AFTER, followUp, task, task)) {
            return true;
        }
        handedOff.remove(s);
        return false;
    }

    /** Runs tasks later on an executor, through the runtime's scheduler. */
    record Later(ScheduledExecutorService scheduler) {
        /**
         * Runs {@code task} on {@code executor} {@code delay} from now, or {@code ifRefused} if the
         * executor refuses it then; false when the scheduler refuses it now (closing).
         */
        boolean run(Duration delay, Executor executor, Runnable task, Runnable ifRefused) {
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
    }
}
