package dev.hotserve.engine.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Direct memory that ONNX Runtime reads inputs from and writes outputs to, reused across calls
 * and across models.
 *
 * <p>Why: ONNX Runtime copies a heap array into a fresh direct buffer on every call, and Java frees
 * direct buffers only when the garbage collector happens to run, so native memory climbs under
 * steady traffic. Borrowing from this pool, a call in steady state allocates no direct memory. The
 * pool belongs to the engine, not to a model, so hot reloads (new model, same engine) reuse the
 * buffers too. It holds at most {@code capacity} buffers of at most {@link #MAX_POOLED_BYTES}
 * each, so what it keeps is bounded; a larger request gets a buffer of its own, left to the GC.
 *
 * <p>The pool is a few slots taken and filled by compare-and-set, never a lock: request threads
 * and the shadow thread borrow from it at once, and a queue's lock (not fair) left the shadow's
 * platform thread parked for seconds behind virtual threads, and requests queued behind it.
 */
final class DirectBuffers {

    /** A buffer larger than this is used once and dropped, so one huge batch cannot pin memory. */
    static final int MAX_POOLED_BYTES = 4 << 20;

    /** The smallest buffer handed out: a batch-1 call of a small model fits many times over. */
    private static final int MIN_BYTES = 4 << 10;

    /** Free buffers; a null slot is empty. */
    private final AtomicReferenceArray<ByteBuffer> free;

    /** Buffers allocated so far; counted off the hot path (only when a borrow must allocate). */
    private final AtomicLong allocations = new AtomicLong();

    DirectBuffers(int capacity) {
        this.free = new AtomicReferenceArray<>(capacity);
    }

    /** Enough for every core to have a call in flight, twice over. */
    static DirectBuffers forThisMachine() {
        return new DirectBuffers(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    }

    /** A native-order direct buffer of at least {@code bytes} bytes; hand it back with {@link #giveBack}. */
    ByteBuffer borrow(long bytes) {
        ByteBuffer b = take();
        if (b != null && b.capacity() >= bytes) {
            return b.clear();
        }
        // None free, or too small: a bigger one replaces it. Sizes double, so a pooled buffer is
        // replaced only a few times before it fits the largest batch the service sees.
        long size = Math.max(MIN_BYTES, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
        if (b != null) {
            size = Math.max(size, b.capacity());
        }
        if (size > Integer.MAX_VALUE - 64) {
            size = bytes;
        }
        if (size > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a batch of " + bytes + " bytes is too large for one call");
        }
        allocations.incrementAndGet();
        return ByteBuffer.allocateDirect((int) size).order(ByteOrder.nativeOrder());
    }

    void giveBack(ByteBuffer b) {
        if (b.capacity() > MAX_POOLED_BYTES) {
            return;
        }
        for (int i = 0; i < free.length(); i++) {
            if (free.get(i) == null && free.compareAndSet(i, null, b)) {
                return;
            }
        }
        // Every slot full: this one is left to the GC.
    }

    private ByteBuffer take() {
        for (int i = 0; i < free.length(); i++) {
            ByteBuffer b = free.get(i);
            if (b != null && free.compareAndSet(i, b, null)) {
                return b;
            }
        }
        return null;
    }

    /** How many direct buffers this pool has allocated since it was made (for tests that prove reuse). */
    long allocations() {
        return allocations.get();
    }

    /** How many buffers are pooled now (for tests). */
    int pooled() {
        int n = 0;
        for (int i = 0; i < free.length(); i++) {
            n += free.get(i) != null ? 1 : 0;
        }
        return n;
    }
}
