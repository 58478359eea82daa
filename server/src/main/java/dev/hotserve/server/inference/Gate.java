package dev.hotserve.server.inference;

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
    /** Set while the server is still binding its listeners: nothing is admitted before all are bound. */
    private static final long NOT_OPEN = 1L << 61;

    private final AtomicLong state;

    /** A gate that admits requests at once. */
    public Gate() {
        this(0);
    }

    private Gate(long initial) {
        this.state = new AtomicLong(initial);
    }

    /**
     * A gate that admits nothing until {@link #open()}: the server starts each listener behind it
     * and opens it only once every listener is bound, so a failed bind never follows an answer.
     */
    public static Gate openedLater() {
        return new Gate(NOT_OPEN);
    }

    /** Admits requests from now on (unless closing already began). */
    public void open() {
        state.getAndUpdate(s -> s & ~NOT_OPEN);
    }

    /** Admits a request unless the server is stopping; every admitted request must {@link #exit()}. */
    public boolean enter() {
        for (;;) {
            long s = state.get();
            if ((s & (CLOSING | NOT_OPEN)) != 0) {
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
        return state.get() & ~(CLOSING | NOT_OPEN);
    }
}
