package dev.hotserve.batch;

import java.time.Duration;
import java.util.Objects;

/**
 * Dynamic batching settings of one model (README, "Dynamic batching"), with Triton's semantics.
 *
 * @param maxBatchSize the most rows one engine call may take; 0 or 1 turns batching off. A single
 *     request with more rows runs alone.
 * @param maxQueueDelay how long a batch may wait for more requests; zero (the default) takes only
 *     what is already waiting and never waits, so a lone request is not slowed down
 * @param maxQueuedRequests requests that may wait at once; one more is refused
 *     ({@link QueueFullException}) rather than left to wait without bound
 * @param adaptiveDelay hotserve's own refinement of the queue delay (off: Triton's semantics): the
 *     leader waits only while another request is in flight (the server counts its HTTP and gRPC
 *     requests; in the library, the leases open on the serving version). A request alone never
 *     waits; with company it waits as with a plain delay.
 */
public record Batching(int maxBatchSize, Duration maxQueueDelay, int maxQueuedRequests, boolean adaptiveDelay) {

    public static final Batching OFF = new Batching(0, Duration.ZERO, 0);

    /** With Triton's semantics for the queue delay. */
    public Batching(int maxBatchSize, Duration maxQueueDelay, int maxQueuedRequests) {
        this(maxBatchSize, maxQueueDelay, maxQueuedRequests, false);
    }

    public Batching {
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        if (maxBatchSize < 0) {
            throw new IllegalArgumentException("max_batch_size must not be negative, was " + maxBatchSize);
        }
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("max_queue_delay must not be negative, was " + maxQueueDelay);
        }
        if (maxBatchSize > 1 && maxQueuedRequests < 1) {
            throw new IllegalArgumentException("max queued requests must be at least 1, was " + maxQueuedRequests);
        }
    }

    /** Batching up to {@code maxBatchSize} rows, waiting up to {@code maxQueueDelay}; the queue holds 16 batches' worth of requests. */
    public static Batching of(int maxBatchSize, Duration maxQueueDelay) {
        return new Batching(maxBatchSize, maxQueueDelay, Math.max(1, maxBatchSize) * 16);
    }

    /** The same settings, the queue delay adaptive or not. */
    public Batching withAdaptiveDelay(boolean on) {
        return new Batching(maxBatchSize, maxQueueDelay, maxQueuedRequests, on);
    }

    public boolean enabled() {
        return maxBatchSize > 1;
    }
}
