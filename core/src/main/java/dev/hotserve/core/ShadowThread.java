package dev.hotserve.core;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The runtime's one shadow thread (README, "Rolling out a new policy safely"): runs the drains of every model's {@link ShadowQueue},
 * one at a time, in the order they are handed in. Started on first use, ended by {@link #close}.
 *
 * <p>Why it lingers: when it runs out of work it waits {@link #LINGER} before it sleeps for good,
 * and a drain handed in meanwhile waits for the end of that wait rather than waking it. Under
 * load the samples of that millisecond then go to the candidate as one engine call instead of one
 * call each, the shadow thread wakes about a thousand times a second instead of once per request,
 * and the request threads never make the system call that wakes a sleeping thread. When work stops,
 * it sleeps until handed some; the first drain after a pause wakes it at once.
 *
 * <p>States: {@code AWAKE} (running, or lingering: it looks at its queue again by itself), {@code
 * ASLEEP} (parked until {@link #execute} wakes it; only the one who moves it from {@code ASLEEP} to
 * {@code AWAKE} unparks it), {@code CLOSED} (ends; refuses new work).
 */
final class ShadowThread implements Executor, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ShadowThread.class.getName());

    /** How long it waits for more work before it sleeps. */
    static final Duration LINGER = Duration.ofMillis(1);

    private static final int AWAKE = 0;
    private static final int ASLEEP = 1;
    private static final int CLOSED = 2;

    private final String name;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger state = new AtomicInteger(AWAKE);
    private final long lingerNanos = LINGER.toNanos();
    private volatile Thread thread; // started on first use, under this

    ShadowThread(String name) {
        this.name = name;
    }

    @Override
    public void execute(Runnable task) {
        if (state.get() == CLOSED) {
            throw new RejectedExecutionException(name + " is closed");
        }
        tasks.add(task);
        Thread t = thread;
        if (t == null) {
            start();
        } else if (state.get() == ASLEEP && state.compareAndSet(ASLEEP, AWAKE)) {
            LockSupport.unpark(t);
        }
    }

    private synchronized void start() {
        if (thread == null && state.get() != CLOSED) {
            Thread t = new Thread(this::loop, name);
            t.setDaemon(true);
            thread = t;
            t.start();
        }
    }

    private void loop() {
        while (state.get() != CLOSED) {
            Runnable task = tasks.poll();
            if (task != null) {
                runQuietly(task);
                continue;
            }
            LockSupport.parkNanos(this, lingerNanos);
            if (!tasks.isEmpty() || !state.compareAndSet(AWAKE, ASLEEP)) {
                continue;
            }
            // Asleep: a task handed in before the flag changed is seen here, one after it wakes us.
            if (!tasks.isEmpty()) {
                state.compareAndSet(ASLEEP, AWAKE); // if someone else did it, their unpark only shortens a park
                continue;
            }
            while (state.get() == ASLEEP) {
                LockSupport.park(this);
            }
        }
    }

    private void runQuietly(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            // A bug in a comparison must not end the comparisons of every model.
            LOG.log(System.Logger.Level.ERROR, name + ": a shadow comparison failed", e);
        }
    }

    /** Ends the thread; work not yet run is dropped. Idempotent. */
    @Override
    public void close() {
        if (state.getAndSet(CLOSED) == CLOSED) {
            return;
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, "{0} did not stop within 5 s", name);
            }
        }
        tasks.clear();
    }
}
