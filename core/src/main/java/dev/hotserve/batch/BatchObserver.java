package dev.hotserve.batch;

import dev.hotserve.core.ModelVersion;

/** Told about each engine call a batcher makes, on the thread that made it (metrics, statistics). Must be cheap and not throw. */
@FunctionalInterface
public interface BatchObserver {

    BatchObserver NONE = (requests, rows, oldestWaitNanos) -> {};

    /**
     * @param requests how many requests shared the call
     * @param rows their rows together
     * @param oldestWaitNanos how long the longest-waiting of them was queued
     */
    void batched(int requests, int rows, long oldestWaitNanos);

    /**
     * Where the time of an engine call that succeeded went. Told before the requests of the batch
     * are handed their rows, so whoever reads what was counted after an answer came back sees it.
     *
     * @param queuedNanos the requests' waits in the queue, summed over the requests
     * @param inputNanos stacking the requests' rows into one input
     * @param inferNanos the engine call
     * @param outputNanos splitting the outputs back by rows
     */
    default void executed(int requests, int rows, long queuedNanos, long inputNanos, long inferNanos, long outputNanos) {}

    /** The observer of one version's batcher; by default every version is told to this one alike. */
    default BatchObserver forVersion(ModelVersion version) {
        return this;
    }

    /** This observer and then {@code other}, for every call and every version. */
    default BatchObserver and(BatchObserver other) {
        BatchObserver first = this;
        return new BatchObserver() {
            @Override
            public void batched(int requests, int rows, long oldestWaitNanos) {
                first.batched(requests, rows, oldestWaitNanos);
                other.batched(requests, rows, oldestWaitNanos);
            }

            @Override
            public void executed(int requests, int rows, long queuedNanos, long inputNanos, long inferNanos, long outputNanos) {
                first.executed(requests, rows, queuedNanos, inputNanos, inferNanos, outputNanos);
                other.executed(requests, rows, queuedNanos, inputNanos, inferNanos, outputNanos);
            }

            @Override
            public BatchObserver forVersion(ModelVersion version) {
                return first.forVersion(version).and(other.forVersion(version));
            }
        };
    }
}
