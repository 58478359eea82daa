package dev.hotserve.core;

import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The right to run one loaded model until {@link #close()}: while a lease is open its model is not
 * closed, even if a newer one has replaced it. Use it with try-with-resources; {@code close()} is
 * idempotent. A lease is meant for one request on one thread, but may be closed from any thread.
 */
public final class Lease implements AutoCloseable {

    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(Lease.class, "closed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Watches what a lease's model answers while a rollout or guard is under way (README, "Rolling out a new policy safely"): counts
     * requests and errors per version, feeds the shadow comparison, withholds non-finite answers.
     * Every way of running a lease reports, so no front end escapes the rollout's watch.
     */
    interface Observer {
        /** After a prediction; may throw {@link NonFiniteOutputException} to withhold the answer. */
        void served(Snapshot s, float[] rows, int rowCount, boolean deterministic, float[] actions);

        /** After a row model answered with its raw outputs; may throw {@link NonFiniteOutputException}. */
        void servedOutputs(Snapshot s, float[] rows, int rowCount, float[][] outputs);

        /** After a model of named tensors (not rows) answered; may throw {@link NonFiniteOutputException}. */
        void servedTensors(Snapshot s, List<Tensor> outputs);

        /** The model failed on an input the signature accepted. */
        void failed(Snapshot s, RuntimeException e);
    }

    private final Snapshot snapshot;
    /** Null unless a rollout or guard is under way. */
    private final Observer observer;
    /** Non-null only for a lease sampled for leak detection. */
    private final Tracker tracker;
    @SuppressWarnings("unused") // accessed through CLOSED
    private volatile int closed;

    Lease(Snapshot snapshot, Observer observer) {
        this.snapshot = snapshot;
        this.observer = observer;
        this.tracker = null;
    }

    private Lease(Snapshot snapshot, Observer observer, LeakWatch watch, String model, Consumer<LeakedLease> listener) {
        this.snapshot = snapshot;
        this.observer = observer;
        this.tracker = new Tracker(snapshot, watch, model, listener, new Throwable("lease acquired here"));
        this.tracker.watched = watch.watch(this, tracker);
    }

    /** A lease on {@code watch}: if it becomes unreachable unclosed, it is reported and released. */
    static Lease tracked(Snapshot snapshot, Observer observer, LeakWatch watch, String model, Consumer<LeakedLease> listener) {
        return new Lease(snapshot, observer, watch, model, listener);
    }

    public ModelVersion version() {
        return snapshot.version;
    }

    public ModelSignature signature() {
        return snapshot.model.signature();
    }

    public PolicyHead head() {
        return snapshot.head;
    }

    public int stateDim() {
        return snapshot.version.stateDim();
    }

    public int actionDim() {
        return snapshot.version.actionDim();
    }

    /**
     * Whether this version's engine calls go through its batcher (dynamic batching is on and the
     * model takes rows): then requests may share a call, and the batcher's observer is told about each.
     */
    public boolean batched() {
        return snapshot.batcher != null;
    }

    /** The deterministic action for one state. */
    public float[] predict(float[] state) {
        return predict(state, true, null);
    }

    /**
     * The action for one state.
     *
     * @param rng the noise when not deterministic (null: {@link ThreadLocalRandom}); ignored when deterministic
     */
    public float[] predict(float[] state, boolean deterministic, RandomGenerator rng) {
        checkWidth(state.length, 1);
        return actions(state, 1, deterministic, rng);
    }

    /**
     * Actions for {@code rowCount} states given row-major in {@code rows}.
     *
     * @return {@code rowCount * actionDim()} values, row-major
     */
    public float[] predictBatch(float[] rows, int rowCount, boolean deterministic, RandomGenerator rng) {
        checkWidth(rows.length, rowCount);
        return actions(rows, rowCount, deterministic, rng);
    }

    /** The engine's raw outputs, one array per output of {@link #signature()}. */
    public float[][] run(float[] rows, int rowCount) {
        checkWidth(rows.length, rowCount);
        return outputs(rows, rowCount);
    }

    /**
     * Runs the model on named tensors: any model, row model or not.
     *
     * @return one tensor per output of {@link #signature()}, in its order
     * @throws InvalidInputException when the inputs do not fit the signature (the message names the input)
     */
    public List<Tensor> run(List<Tensor> inputs) {
        checkOpen();
        ModelSignature sig = signature();
        if (sig.isRowModel()) {
            // Rows take the row path, so they share the version's batcher with every other row request.
            Tensor in = sig.check(inputs).get(0);
            int rows = Math.toIntExact(in.dim(0));
            return LoadedModel.rowOutputs(sig, outputs(in.floats(), rows), rows);
        }
        if (observer == null) {
            return snapshot.model.run(inputs);
        }
        List<Tensor> outputs;
        try {
            outputs = snapshot.model.run(inputs);
        } catch (InvalidInputException e) {
            throw e; // the caller's input, not the version's failure
        } catch (RuntimeException e) {
            observer.failed(snapshot, e);
            throw e;
        }
        observer.servedTensors(snapshot, outputs);
        return outputs;
    }

    private float[][] outputs(float[] rows, int rowCount) {
        if (observer == null) {
            return snapshot.run(rows, rowCount);
        }
        float[][] out;
        try {
            out = snapshot.run(rows, rowCount);
        } catch (RuntimeException e) {
            observer.failed(snapshot, e);
            throw e;
        }
        observer.servedOutputs(snapshot, rows, rowCount, out);
        return out;
    }

    private float[] actions(float[] rows, int rowCount, boolean deterministic, RandomGenerator rng) {
        float[][] out;
        try {
            out = snapshot.run(rows, rowCount);
        } catch (RuntimeException e) {
            if (observer != null) {
                observer.failed(snapshot, e);
            }
            throw e;
        }
        RandomGenerator noise = deterministic || rng != null ? rng : ThreadLocalRandom.current();
        float[] actions = snapshot.head.actions(out, rowCount, deterministic, noise);
        if (observer != null) {
            observer.served(snapshot, rows, rowCount, deterministic, actions);
        }
        return actions;
    }

    private void checkOpen() {
        if ((int) CLOSED.getAcquire(this) != 0) {
            throw new IllegalStateException("lease on generation " + snapshot.version.generation() + " is closed");
        }
    }

    /** The row checks of the fast path; a wrong width is the caller's input, a row count below 1 our bug. */
    private void checkWidth(int values, int rowCount) {
        checkOpen();
        int width = snapshot.version.stateDim();
        if (width <= 0) {
            throw new InvalidInputException("state", "the model takes named tensors (" + ModelSignature.describe(signature().inputs())
                    + "), not rows of a state: run it with named tensors (the Open Inference Protocol's infer)");
        }
        if (rowCount < 1) {
            throw new IllegalArgumentException("row count must be at least 1, was " + rowCount);
        }
        if (rowCount == 1 && values != width) {
            throw new InvalidInputException("state", "state has " + values + " values, the model takes " + width);
        }
        if ((long) rowCount * width != values) {
            throw new InvalidInputException("states", rowCount + " rows of " + width + " values need " + ((long) rowCount * width)
                    + " values, got " + values);
        }
    }

    /** Ends the lease. Idempotent; the last lease of a retired model closes that model. */
    @Override
    public void close() {
        if (CLOSED.compareAndSet(this, 0, 1)) {
            if (tracker == null) {
                snapshot.release();
            } else {
                tracker.closeNormally();
            }
        }
    }

    @Override
    public String toString() {
        return "Lease[generation " + snapshot.version.generation() + ", " + snapshot.version.path() + "]";
    }

    /**
     * The leak action of a tracked lease. It must not reach the lease itself, or the lease would
     * never become unreachable.
     */
    private static final class Tracker implements Runnable {
        private final Snapshot snapshot;
        private final LeakWatch watch;
        private final String model;
        private final Consumer<LeakedLease> listener;
        private final Throwable acquiredAt;
        private final AtomicBoolean done = new AtomicBoolean();
        LeakWatch.Watched watched;

        Tracker(Snapshot snapshot, LeakWatch watch, String model, Consumer<LeakedLease> listener, Throwable acquiredAt) {
            this.snapshot = snapshot;
            this.watch = watch;
            this.model = model;
            this.listener = listener;
            this.acquiredAt = acquiredAt;
        }

        void closeNormally() {
            if (done.compareAndSet(false, true)) {
                snapshot.release();
            }
            watch.unwatch(watched);
        }

        /** Runs in a leak check once the lease became unreachable without close(). */
        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                try {
                    listener.accept(new LeakedLease(model, snapshot.version, acquiredAt));
                } finally {
                    // Nobody can use the leaked lease any more, so its model may be closed once retired.
                    snapshot.release();
                }
            }
        }
    }
}
