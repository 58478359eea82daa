package dev.hotserve.server.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission for requests, so that a stopping server can drain: once {@link #closeAndAwait} has
 * begun, new requests are refused (503, connection closed) while those already admitted run to
 * the end. Helidon's own {@code WebServer.stop()} closes open connections at once, in-flight
 * requests included, so the draining happens here, before it is called.
 *
 * <p>One atomic word on the request path: the count of admitted requests, with {@link #CLOSING}
 * as a flag bit. {@link #enter()} increments only while the flag is clear (CAS loop), so no request
 * is admitted after closing began. The closer waits on this object's monitor; the exit that brings
 * the count to zero after closing notifies under the same monitor, so the wake-up cannot be lost.
 */
public final class Gate {

    private static final long CLOSING = 1L << 62;

    private final AtomicLong state = new AtomicLong();

    /** Admits a request unless the server is stopping; every admitted request must {@link #exit()}. */
    public boolean enter() {
        for (;;) {
            long s = state.get();
            if ((s & CLOSING) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    public void exit() {
        if (state.decrementAndGet() == CLOSING) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /**
     * Refuses new requests from now on and waits until the admitted ones have finished.
     *
     * @return false if some were still running when {@code grace} ran out
     */
    public synchronized boolean closeAndAwait(Duration grace) throws InterruptedException {
        state.getAndUpdate(s -> s | CLOSING);
        long deadline = System.nanoTime() + grace.toNanos();
        while (active() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Requests admitted and not yet finished. */
    public long active() {
        return state.get() & ~CLOSING;
    }
}
