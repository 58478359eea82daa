package dev.hotserve.core;

import dev.hotserve.batch.Batcher;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.source.CheckpointRef;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded model as it serves: the version record, the engine's model and its policy head,
 * immutable, plus its lease state.
 *
 * <p>The lease state is one int: the number of open leases in the low 31 bits and {@link #RETIRED}
 * as the sign bit. {@link #tryAcquire} increments only while the bit is clear, in a CAS loop, so a
 * retired snapshot can never be revived. The model is closed by whoever makes the state exactly
 * {@code RETIRED} (no leases, retired): {@link #retire} when no lease is open, else the last
 * {@link #release}. Both transitions happen at most once, so the close happens exactly once, and
 * never while a lease is open.
 */
final class Snapshot {

    static final int RETIRED = 0x8000_0000;

    final ModelVersion version;
    /** The checkpoint as its source named it: what freshness compares with the source's current one. */
    final CheckpointRef ref;
    final LoadedModel model;
    final PolicyHead head;
    /** This version's batcher when batching is on, else null: its queue lives and dies with the version. */
    final Batcher batcher;
    private final AtomicInteger state = new AtomicInteger();
    private final Runnable onClose;

    Snapshot(ModelVersion version, CheckpointRef ref, LoadedModel model, PolicyHead head, Batcher batcher, Runnable onClose) {
        this.version = version;
        this.ref = ref;
        this.model = model;
        this.head = head;
        this.batcher = batcher;
        this.onClose = onClose;
    }

    /** Runs the engine on validated rows, through the batcher when there is one. */
    float[][] run(float[] rows, int rowCount) {
        return batcher != null ? batcher.run(rows, rowCount) : model.run(rows, rowCount);
    }

    /** Takes a lease unless retired. */
    boolean tryAcquire() {
        for (;;) {
            int s = state.get();
            if (s < 0) { // RETIRED is the sign bit
                return false;
            }
            if (s == Integer.MAX_VALUE) {
                throw new IllegalStateException("more than " + Integer.MAX_VALUE + " open leases on " + version.path());
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    void release() {
        int s = state.decrementAndGet();
        if (s == RETIRED) {
            closeModel();
        } else if ((s & ~RETIRED) == ~RETIRED) {
            // The count went below zero: a release without its acquire. Loud, never silent.
            throw new IllegalStateException("lease released twice on generation " + version.generation());
        }
    }

    /** Marks the snapshot retired; closes the model now if no lease is open. Idempotent. */
    void retire() {
        int prev = state.getAndUpdate(s -> s | RETIRED);
        if (prev == 0) {
            closeModel();
        }
    }

    boolean retired() {
        return state.get() < 0;
    }

    int leases() {
        return state.get() & ~RETIRED;
    }

    private void closeModel() {
        try {
            model.close();
        } finally {
            onClose.run();
        }
    }
}
