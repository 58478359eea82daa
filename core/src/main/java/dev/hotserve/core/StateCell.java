package dev.hotserve.core;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The one owner of a model's {@link ModelState}: it holds the {@code AtomicReference} and nothing
 * else writes it. Every change is a named transition below, each a compare-and-set loop.
 *
 * <p>What a reader may assume:
 * <ul>
 *   <li>Two kinds of writer share the reference. Request threads write only the source error
 *       ({@link #sourceFailed}, {@link #sourceReadable}), without the reload lock. Every other
 *       transition runs under the reload lock and refuses to run without it: only the lock's holder
 *       changes what serves, its generation, the rollout, the guard, the failure, the pending
 *       checkpoint, pinned and closed.
 *   <li>So a transition taken under the lock can still lose its compare-and-set, to a request
 *       thread's source-error write; each one therefore loops, reading the state again, until it
 *       either succeeds or finds that the state it leaves from is gone. None tries once.
 *   <li>A transition that leaves from one particular rollout or guard (the same record, by
 *       identity) says by its result whether this call made it: a {@link Change} when it did, null
 *       when that rollout or guard was no longer there. Only the caller that got the change retires
 *       what it removed, so a dropped, rejected or replaced model is retired exactly once.
 *   <li>The generation rises only through {@link #serve}, {@link #promote} and {@link #rollBack},
 *       by one each ({@link ModelState#serve} refuses anything else); {@link #serveAgain} keeps it.
 * </ul>
 */
final class StateCell {

    /** A transition made: the state it left and the state it entered. */
    record Change(ModelState before, ModelState after) {}

    private final AtomicReference<ModelState> ref = new AtomicReference<>(ModelState.INITIAL);
    private final ReentrantLock lock;

    /** @param lock the model's reload lock: every transition but the source error's asserts it is held */
    StateCell(ReentrantLock lock) {
        this.lock = lock;
    }

    /** The state now: one moment, never a half-made change. */
    ModelState get() {
        return ref.get();
    }

    // ---------------------------------------------------------------- the request path (no lock)

    /**
     * Any state → the same with {@code error} as the source error. No write when it already is.
     *
     * @return whether this call changed it (then the caller logs it)
     */
    boolean sourceFailed(String error) {
        Change c = change(s -> error.equals(s.sourceError()) ? s : s.sourceError(error));
        return c.after() != c.before();
    }

    /** Any state → the same with no source error. No write when there is none. */
    void sourceReadable() {
        change(s -> s.sourceError() == null ? s : s.sourceError(null));
    }

    // ---------------------------------------------------------------- what serves (under the lock)

    /**
     * Any open state → {@code next} serving under its generation (one above the current one), the
     * failure and the pending checkpoint cleared; the rollout and guard stay.
     *
     * @return the change; null when the model is closed (nothing changed, the caller retires {@code next})
     */
    Change serve(Snapshot next) {
        requireLock("serve");
        return change(s -> s.closed() ? null : s.serve(next));
    }

    /**
     * An open state serving {@code current} → {@code next} serving under the same generation (the
     * same version, optimised).
     *
     * @return whether it changed; false when closed or {@code current} no longer serves
     */
    boolean serveAgain(Snapshot current, Snapshot next) {
        requireLock("serveAgain");
        return change(s -> s.closed() || s.serving() != current ? null : s.serveAgain(next)) != null;
    }

    /** Any state → the same with {@code f} as the last refused load and no pending checkpoint; returns the state entered. */
    ModelState failed(ModelState.Failure f) {
        requireLock("failed");
        return change(s -> s.failed(f)).after();
    }

    /** Any state → the same with {@code p} as the checkpoint not yet complete. */
    void pending(ModelState.Pending p) {
        requireLock("pending");
        change(s -> s.pending(p));
    }

    /** Any state → pinned. */
    void pin() {
        requireLock("pin");
        change(s -> s.pinned(true));
    }

    /** Any state → not pinned; returns the state entered. */
    ModelState unpin() {
        requireLock("unpin");
        return change(s -> s.pinned(false)).after();
    }

    /** Any state → closed: nothing serves, no rollout, no guard. Returns the state left, whose snapshots the caller retires. */
    ModelState close() {
        requireLock("close");
        return change(ModelState::closedNow).before();
    }

    // ---------------------------------------------------------------- rollout and guard (under the lock)

    /**
     * An open state without a rollout → {@code r} on trial beside what serves.
     *
     * @return the change; null when the model is closed (the caller retires the candidate)
     * @throws IllegalStateException when a rollout is under way: its candidate must be dropped first
     */
    Change installCandidate(ModelState.Rollout r) {
        requireLock("installCandidate");
        return change(s -> {
            if (s.closed()) {
                return null;
            }
            if (s.rollout() != null) {
                throw new IllegalStateException("candidate " + r.candidate().version.name() + " installed while "
                        + s.rollout().candidate().version.name() + " is on trial: never three versions loaded");
            }
            return s.rollout(r);
        });
    }

    /** Rollout {@code r} → no rollout (dropped; not remembered). Null when {@code r} is not the rollout. */
    Change dropCandidate(ModelState.Rollout r) {
        requireLock("dropCandidate");
        return change(s -> s.rollout() != r ? null : s.rollout(null));
    }

    /** Rollout {@code r} (its shadow passed) → {@code canary}, the same candidate in its canary phase. Null when {@code r} is not the rollout. */
    Change toCanary(ModelState.Rollout r, ModelState.Rollout canary) {
        requireLock("toCanary");
        return change(s -> s.rollout() != r ? null : s.rollout(canary));
    }

    /**
     * Rollout {@code r} → its candidate serving as the next generation, no rollout, and the guard
     * {@code guardFor} makes of the version that served (null: none, the caller retires it).
     * Null when {@code r} is not the rollout.
     */
    Change promote(ModelState.Rollout r, Function<Snapshot, ModelState.Guard> guardFor) {
        requireLock("promote");
        return change(s -> s.rollout() != r ? null : s.serve(r.candidate()).rollout(null).guard(guardFor.apply(s.serving())));
    }

    /** Rollout {@code r} → no rollout, {@code f} remembered as the refused load. Null when {@code r} is not the rollout. */
    Change reject(ModelState.Rollout r, ModelState.Failure f) {
        requireLock("reject");
        return change(s -> s.rollout() != r ? null : s.rollout(null).failed(f));
    }

    /** Guard {@code g} → no guard (the caller retires its previous version). Null when {@code g} is not the guard. */
    Change endGuard(ModelState.Guard g) {
        requireLock("endGuard");
        return change(s -> s.guard() != g ? null : s.guard(null));
    }

    /**
     * Guard {@code g} with {@code bad} serving → {@code reborn} (the guard's previous version under
     * the next generation) serving, no guard, {@code f} remembered as the refused load. Null when
     * {@code g} is not the guard or {@code bad} no longer serves.
     */
    Change rollBack(ModelState.Guard g, Snapshot bad, Snapshot reborn, ModelState.Failure f) {
        requireLock("rollBack");
        return change(s -> s.guard() != g || s.serving() != bad ? null : s.serve(reborn).guard(null).failed(f));
    }

    // ---------------------------------------------------------------- the loop

    /**
     * Applies {@code step} to the state until the compare-and-set holds. {@code step} returns the
     * state to enter, the same state for no change (nothing written), or null when the state it
     * leaves from is gone (nothing written, null returned).
     */
    private Change change(UnaryOperator<ModelState> step) {
        for (;;) {
            ModelState before = ref.get();
            ModelState after = step.apply(before);
            if (after == null) {
                return null;
            }
            if (after == before || ref.compareAndSet(before, after)) {
                return new Change(before, after);
            }
        }
    }

    private void requireLock(String transition) {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException(transition + " without the reload lock: only its holder changes what serves");
        }
    }
}
