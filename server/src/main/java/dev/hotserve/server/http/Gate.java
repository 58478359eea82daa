package dev.hotserve.server.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Admission for requests, so that a stopping server can drain: once {@link #closeAndAwait} has
 * begun, new requests are refused (503, connection closed) while those already admitted run to
 * the end. Helidon's own {@code WebServer.stop()} closes open connections at once, in-flight
 * requests included, so the draining happens here, before it is called.
 */
public final class Gate {

    private int active;
    private boolean closing;

    /** Admits a request unless the server is stopping; every admitted request must {@link #exit()}. */
    public synchronized boolean enter() {
        if (closing) {
            return false;
        }
        active++;
        return true;
    }

    public synchronized void exit() {
        if (--active == 0 && closing) {
            notifyAll();
        }
    }

    /**
     * Refuses new requests from now on and waits until the admitted ones have finished.
     *
     * @return false if some were still running when {@code grace} ran out
     */
    public synchronized boolean closeAndAwait(Duration grace) throws InterruptedException {
        closing = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while (active > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    public synchronized int active() {
        return active;
    }
}
