package dev.hotserve.batch;

/** Told about each engine call a batcher makes, on the thread that made it (metrics). Must be cheap and not throw. */
@FunctionalInterface
public interface BatchObserver {

    BatchObserver NONE = (requests, rows, oldestWaitNanos) -> {};

    /**
     * @param requests how many requests shared the call
     * @param rows their rows together
     * @param oldestWaitNanos how long the longest-waiting of them was queued
     */
    void batched(int requests, int rows, long oldestWaitNanos);
}
