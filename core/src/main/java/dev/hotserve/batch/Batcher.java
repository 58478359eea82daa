package dev.hotserve.batch;

import dev.hotserve.engine.InferenceException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Runs the concurrent requests of one loaded version as shared engine calls, and splits the
 * outputs back by rows.
 *
 * <p><b>No thread of its own.</b> The batcher runs on its callers' threads: a caller queues its
 * rows, and if no batch is running it becomes the leader — it takes what is waiting (its own
 * request first of all when it came alone), makes one engine call, hands each caller its rows and
 * wakes it. A lone request therefore runs at once on its own thread, with no hand-off: batching
 * costs it a queue insert and two atomic operations. Callers that arrive while a batch runs wait
 * and form the next one. With a queue delay the leader first waits up to that long for the batch
 * to fill; with an adaptive delay it waits only while another request is in flight, so a request
 * alone in the server never waits.
 *
 * <p><b>No caller is stranded.</b> A leader clears the running flag before it looks at the queue
 * and wakes the oldest waiter if the queue is not empty; a caller queues before it tries to lead.
 * So either the leader sees the new caller's request, or the caller sees the flag cleared.
 *
 * <p><b>The lease rule holds.</b> Every queued request belongs to a caller holding a lease on this
 * version, and callers wait for their rows before they close it: the version cannot be closed
 * while its queue holds anything, and requests on different versions never meet in one batcher.
 */
public final class Batcher {

    /** Runs the engine: {@code rows} rows of input, one array per output. */
    @FunctionalInterface
    public interface Engine {
        float[][] run(float[] input, int rows);
    }

    private final Engine engine;
    private final int inputWidth;
    private final int[] outputWidths;
    private final Batching settings;
    private final BatchObserver observer;
    private final LongSupplier nanoTime;
    private final ConcurrentLinkedQueue<Request> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean();
    /** Requests the application is handling now, the leader's included (for the adaptive delay). */
    private final IntSupplier inFlight;

    /**
     * @param inFlight how many requests the application is handling now, this one included: with
     *     {@link Batching#adaptiveDelay()} a leader waits only while it is more than one
     */
    public Batcher(Engine engine, int inputWidth, int[] outputWidths, Batching settings, BatchObserver observer, LongSupplier nanoTime,
            IntSupplier inFlight) {
        if (!settings.enabled()) {
            throw new IllegalArgumentException("batching is off (max_batch_size " + settings.maxBatchSize() + ")");
        }
        this.engine = engine;
        this.inputWidth = inputWidth;
        this.outputWidths = outputWidths.clone();
        this.settings = settings;
        this.observer = observer;
        this.nanoTime = nanoTime;
        this.inFlight = inFlight;
    }

    /** Requests waiting now (a gauge). */
    public int queueDepth() {
        return queued.get();
    }

    private static final class Request {
        final float[] input;
        final int rows;
        final Thread caller;
        final long queuedAt;
        volatile boolean done;
        float[][] outputs;
        RuntimeException error;

        Request(float[] input, int rows, Thread caller, long queuedAt) {
            this.input = input;
            this.rows = rows;
            this.caller = caller;
            this.queuedAt = queuedAt;
        }
    }

    /**
     * Runs {@code rows} rows (validated by the caller) in some batch and returns this request's
     * outputs only: one array per output, {@code rows * width} values each.
     *
     * @throws QueueFullException when the queue is full
     * @throws InferenceException when the engine failed on the batch
     */
    public float[][] run(float[] input, int rows) {
        if (rows >= settings.maxBatchSize()) {
            long t0 = nanoTime.getAsLong();
            float[][] out = engine.run(input, rows); // too big to share a call: runs alone, nothing stacked or split
            observer.executed(1, rows, 0, 0, nanoTime.getAsLong() - t0, 0);
            observer.batched(1, rows, 0);
            return out;
        }
        if (queued.incrementAndGet() > settings.maxQueuedRequests()) {
            queued.decrementAndGet();
            throw new QueueFullException("the batch queue holds " + settings.maxQueuedRequests() + " requests already; try again shortly");
        }
        Request me = new Request(input, rows, Thread.currentThread(), nanoTime.getAsLong());
        queue.add(me);
        boolean interrupted = false;
        while (!me.done) {
            if (running.compareAndSet(false, true)) {
                try {
                    lead();
                } finally {
                    running.set(false);
                }
                Request next = queue.peek();
                if (next != null) {
                    LockSupport.unpark(next.caller); // the oldest waiter leads the next batch
                }
            } else {
                LockSupport.park(this);
                interrupted |= Thread.interrupted(); // finish the request anyway: its rows may be in a batch
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (me.error != null) {
            throw me.error;
        }
        return me.outputs;
    }

    /** Takes what is waiting (up to the batch size, in order), runs it, hands out the rows. */
    private void lead() {
        if (!settings.maxQueueDelay().isZero()) {
            waitForMore();
        }
        List<Request> batch = new ArrayList<>();
        int rows = 0;
        Request r;
        while ((r = queue.peek()) != null && rows + r.rows <= settings.maxBatchSize()) {
            queue.poll();
            batch.add(r);
            rows += r.rows;
        }
        if (batch.isEmpty()) {
            return;
        }
        queued.addAndGet(-batch.size());
        long taken = nanoTime.getAsLong();
        long oldest = taken - batch.get(0).queuedAt;
        try {
            long queuedNanos = 0;
            for (Request b : batch) {
                queuedNanos += taken - b.queuedAt;
            }
            float[] input = stack(batch, rows);
            long stacked = nanoTime.getAsLong();
            float[][] out = runBatch(input, rows);
            long ran = nanoTime.getAsLong();
            int offset = 0;
            for (Request b : batch) {
                b.outputs = slice(out, offset, b.rows);
                offset += b.rows;
            }
            observer.executed(batch.size(), rows, queuedNanos, stacked - taken, ran - stacked, nanoTime.getAsLong() - ran);
        } catch (RuntimeException e) {
            for (Request b : batch) {
                b.error = e;
            }
        }
        for (Request b : batch) {
            b.done = true;
            if (b.caller != Thread.currentThread()) {
                LockSupport.unpark(b.caller);
            }
        }
        observer.batched(batch.size(), rows, oldest);
    }

    private void waitForMore() {
        long deadline = nanoTime.getAsLong() + settings.maxQueueDelay().toNanos();
        for (;;) {
            if (settings.adaptiveDelay() && inFlight.getAsInt() <= 1) {
                return; // alone: no request in flight could share the call
            }
            int rows = 0;
            for (Request q : queue) {
                rows += q.rows;
            }
            long left = deadline - nanoTime.getAsLong();
            if (rows >= settings.maxBatchSize() || left <= 0) {
                return;
            }
            LockSupport.parkNanos(this, Math.min(left, 50_000L));
        }
    }

    private float[] stack(List<Request> batch, int rows) {
        if (batch.size() == 1) {
            return batch.get(0).input;
        }
        float[] input = new float[rows * inputWidth];
        int at = 0;
        for (Request b : batch) {
            System.arraycopy(b.input, 0, input, at, b.input.length);
            at += b.input.length;
        }
        return input;
    }

    private float[][] runBatch(float[] input, int rows) {
        float[][] out = engine.run(input, rows);
        if (out.length != outputWidths.length) {
            throw new InferenceException("the engine gave " + out.length + " outputs for a batch, the model declares " + outputWidths.length);
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i].length != rows * outputWidths[i]) {
                throw new InferenceException("output " + i + " of a batch of " + rows + " rows has " + out[i].length
                        + " values, expected " + rows * outputWidths[i] + ": the rows would not split back");
            }
        }
        return out;
    }

    private float[][] slice(float[][] out, int rowOffset, int rows) {
        if (rowOffset == 0 && out.length > 0 && out[0].length == rows * outputWidths[0] && allWhole(out, rows)) {
            return out;
        }
        float[][] mine = new float[out.length][];
        for (int i = 0; i < out.length; i++) {
            int w = outputWidths[i];
            mine[i] = java.util.Arrays.copyOfRange(out[i], rowOffset * w, (rowOffset + rows) * w);
        }
        return mine;
    }

    private boolean allWhole(float[][] out, int rows) {
        for (int i = 0; i < out.length; i++) {
            if (out[i].length != rows * outputWidths[i]) {
                return false;
            }
        }
        return true;
    }
}
