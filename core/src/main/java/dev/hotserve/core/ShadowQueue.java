package dev.hotserve.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shadow comparisons of one model (README, "Rolling out a new policy safely"): requests sampled on the response path wait here,
 * and the runtime's shadow thread compares them with the candidate in batches.
 *
 * <p>Why batches: one engine call on 64 rows costs about as much as 14 calls on one row, and the
 * shadow thread shares the machine with the requests it shadows. A sampled request costs its
 * thread one atomic add and a copy of its rows; the comparisons cost the shadow thread about one
 * engine call per 64 rows.
 *
 * <p>What a reader may assume:
 * <ul>
 *   <li>A response never waits: {@link #offer} reserves a slot with an atomic add, copies the
 *       request's rows only when it got one, and counts a skip when the queue is full. It never
 *       blocks and never throws for a full queue.
 *   <li>At most one drain of this queue runs at a time (the {@code draining} flag), so a
 *       rollout's comparisons are recorded by one thread at a time, in queue order, and the
 *       decision is made on exactly {@code shadow_samples} of them: the samples of a batch past
 *       that count are dropped.
 *   <li>A drain takes from the head of the queue at most {@link #MAX_BATCH_ROWS} rows (a bigger
 *       request alone), all of one rollout and one stable snapshot, and runs them as one engine
 *       call on the candidate, plus one on stable for the samples whose served answer was not
 *       deterministic. If samples remain it hands the executor a new drain rather than looping,
 *       so models that share the runtime's one shadow thread take turns.
 *   <li>Both snapshots are leased for the run ({@code tryAcquire}/{@code release}). Samples of a
 *       rollout that is no longer the model's current one (its candidate was replaced, promoted
 *       or rejected) are dropped unrun.
 *   <li>A batch whose engine call fails is run again sample by sample, so an error is counted
 *       against exactly the samples that cause it, as if each had run alone.
 * </ul>
 */
final class ShadowQueue {

    /** Rows of sampled requests compared in one engine call. */
    static final int MAX_BATCH_ROWS = 64;

    /**
     * Where a model's shadow comparisons run, and how many sampled requests may wait for them
     * (more are skipped).
     */
    record Settings(Executor executor, int capacity) {
        Settings {
            Objects.requireNonNull(executor, "executor");
            if (capacity < 1) {
                throw new IllegalArgumentException("shadow queue capacity must be at least 1, was " + capacity);
            }
        }
    }

    /** What the queue asks of the model's rollout controller. */
    interface Decisions {
        /** Whether {@code r} is still the model's rollout; samples of any other are dropped. */
        boolean current(ModelState.Rollout r);

        /** {@code r} has exactly {@code shadow_samples} comparisons: decide about its candidate. */
        void decide(ModelState.Rollout r);
    }

    /** One sampled request: its rows, and stable's deterministic actions for them when the served answer was deterministic. */
    private record Sample(ModelState.Rollout rollout, Snapshot stable, float[] rows, int rowCount, float[] stableActions) {}

    /** What one sample's comparison showed. */
    private record Outcome(float drift, boolean nonFinite, boolean error) {
        static final Outcome ERROR = new Outcome(Float.NaN, false, true);
    }

    private final Executor executor;
    private final int capacity;
    private final int samples;
    private final double fraction;
    private final Decisions decisions;
    private final ConcurrentLinkedQueue<Sample> queue = new ConcurrentLinkedQueue<>();
    /** Samples queued, or reserved by an offer that is copying its rows. */
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Runnable drain = this::drain;

    ShadowQueue(Settings settings, RolloutPolicy policy, Decisions decisions) {
        this.executor = settings.executor();
        this.capacity = settings.capacity();
        this.samples = policy.shadowSamples();
        this.fraction = policy.shadowFraction();
        this.decisions = decisions;
    }

    /**
     * Maybe samples a request stable answered, for comparison off the response path. Give stable's
     * actions when the answer was deterministic, else its raw outputs when the caller had only those
     * (their deterministic actions are computed here, for sampled requests only), else neither (stable
     * runs again on the shadow thread).
     *
     * @param actions stable's deterministic actions for {@code rows}, or null
     * @param outputs stable's raw outputs for {@code rows}, or null; read only when {@code actions} is null
     */
    void offer(ModelState.Rollout r, Snapshot stable, float[] rows, int rowCount, float[] actions, float[][] outputs) {
        if (fraction < 1 && ThreadLocalRandom.current().nextDouble() >= fraction) {
            return;
        }
        RolloutStats stats = r.stats();
        if (stats.comparisons() + size.get() >= samples) {
            return; // enough are recorded or on their way: the decision is being made
        }
        // A plain read first: when the queue is full, as it is all the time under a load the
        // shadow cannot follow, a skip costs no write to the shared counter.
        if (size.get() >= capacity) {
            stats.skipped.increment(); // busy: skip, never slow a response
            return;
        }
        if (size.getAndIncrement() >= capacity) {
            size.decrementAndGet();
            stats.skipped.increment();
            return;
        }
        boolean queued = false;
        try {
            // Copies: the caller may reuse its arrays once answered.
            float[] known = actions != null ? actions.clone()
                    : outputs != null ? stable.head.actions(outputs, rowCount, true, null).clone() : null;
            queue.add(new Sample(r, stable, rows.clone(), rowCount, known));
            queued = true;
        } finally {
            if (!queued) {
                size.decrementAndGet();
            }
        }
        schedule();
    }

    private void schedule() {
        if (draining.get() || !draining.compareAndSet(false, true)) {
            return; // the running drain sees the new sample: it looks at the queue after it clears the flag
        }
        try {
            executor.execute(drain);
        } catch (RejectedExecutionException e) {
            // The runtime is closing: what waits is skipped.
            draining.set(false);
            for (Sample s; (s = queue.poll()) != null;) {
                size.decrementAndGet();
                s.rollout().stats().skipped.increment();
            }
        }
    }

    private void drain() {
        try {
            runOneBatch();
        } finally {
            draining.set(false);
        }
        if (!queue.isEmpty()) {
            schedule();
        }
    }

    private void runOneBatch() {
        Sample first = queue.poll();
        if (first == null) {
            return;
        }
        List<Sample> batch = new ArrayList<>();
        batch.add(first);
        int rows = first.rowCount();
        // One consumer at a time (the draining flag), so what peek() shows is what poll() takes.
        for (Sample next; (next = queue.peek()) != null && next.rollout() == first.rollout() && next.stable() == first.stable()
                && rows + next.rowCount() <= MAX_BATCH_ROWS;) {
            queue.poll();
            batch.add(next);
            rows += next.rowCount();
        }
        size.addAndGet(-batch.size());
        ModelState.Rollout r = first.rollout();
        if (!decisions.current(r)) {
            return; // its candidate was replaced, promoted or rejected: nothing to decide any more
        }
        Snapshot candidate = r.candidate();
        Snapshot stable = first.stable();
        Outcome[] outcomes;
        if (!candidate.tryAcquire()) {
            return; // retired meanwhile
        }
        try {
            if (!stable.tryAcquire()) {
                return;
            }
            try {
                outcomes = compare(stable, candidate, batch, rows);
            } finally {
                stable.release();
            }
        } finally {
            candidate.release();
        }
        record(r, outcomes);
    }

    /** Records the outcomes in queue order, up to exactly {@code shadow_samples} comparisons, and decides at that count. */
    private void record(ModelState.Rollout r, Outcome[] outcomes) {
        RolloutStats stats = r.stats();
        for (Outcome o : outcomes) {
            if (stats.comparisons() >= samples) {
                return; // decided already: the rest were not needed
            }
            if (o.error()) {
                stats.candidate.errors.increment();
            } else if (o.nonFinite()) {
                stats.candidate.nonFinite.increment();
            }
            if (stats.recordDrift(o.drift()) == samples) {
                decisions.decide(r);
                return;
            }
        }
    }

    /** Both sides' deterministic actions on the batch's rows, in as few engine calls as it allows, and each sample's outcome. */
    private static Outcome[] compare(Snapshot stable, Snapshot candidate, List<Sample> batch, int rows) {
        float[] input = batch.size() == 1 ? batch.get(0).rows() : concat(batch, rows, s -> true);
        float[] candidateActions;
        float[] stableActions = null;
        int stableRows = 0;
        try {
            candidateActions = candidate.head.actions(candidate.run(input, rows), rows, true, null);
            for (Sample s : batch) {
                stableRows += s.stableActions() == null ? s.rowCount() : 0;
            }
            if (stableRows > 0) {
                float[] stableInput = stableRows == rows ? input : concat(batch, stableRows, s -> s.stableActions() == null);
                stableActions = stable.head.actions(stable.run(stableInput, stableRows), stableRows, true, null);
            }
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                return new Outcome[] {Outcome.ERROR};
            }
            // Which sample caused it? Each alone, as if the batch had never been formed.
            Outcome[] alone = new Outcome[batch.size()];
            for (int i = 0; i < alone.length; i++) {
                Sample s = batch.get(i);
                alone[i] = compare(stable, candidate, List.of(s), s.rowCount())[0];
            }
            return alone;
        }
        int cw = candidateActions.length / rows;
        int sw = stableRows == 0 ? 0 : stableActions.length / stableRows;
        Outcome[] out = new Outcome[batch.size()];
        int row = 0;
        int stableRow = 0;
        for (int i = 0; i < out.length; i++) {
            Sample s = batch.get(i);
            int n = s.rowCount();
            float drift;
            if (s.stableActions() != null) {
                drift = maxAbsDiff(s.stableActions(), 0, s.stableActions().length, candidateActions, row * cw, n * cw);
            } else {
                drift = maxAbsDiff(stableActions, stableRow * sw, n * sw, candidateActions, row * cw, n * cw);
                stableRow += n;
            }
            out[i] = new Outcome(drift, !allFinite(candidateActions, row * cw, n * cw), false);
            row += n;
        }
        return out;
    }

    /** The rows of the batch's samples that {@code which} takes, one after the other. */
    private static float[] concat(List<Sample> batch, int rows, java.util.function.Predicate<Sample> which) {
        float[] first = batch.get(0).rows();
        float[] all = new float[first.length / batch.get(0).rowCount() * rows];
        int at = 0;
        for (Sample s : batch) {
            if (which.test(s)) {
                System.arraycopy(s.rows(), 0, all, at, s.rows().length);
                at += s.rows().length;
            }
        }
        return all;
    }

    private static boolean allFinite(float[] values, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (!Float.isFinite(values[i])) {
                return false;
            }
        }
        return true;
    }

    /** The largest absolute difference of two ranges; NaN when their lengths differ or a difference is NaN. */
    static float maxAbsDiff(float[] a, int aFrom, int aLength, float[] b, int bFrom, int bLength) {
        if (aLength != bLength) {
            return Float.NaN;
        }
        float max = 0;
        for (int i = 0; i < aLength; i++) {
            float d = Math.abs(a[aFrom + i] - b[bFrom + i]);
            if (Float.isNaN(d)) {
                return Float.NaN;
            }
            max = Math.max(max, d);
        }
        return max;
    }
}
