package dev.hotserve.core;

import dev.hotserve.source.CheckpointRef;
import java.time.Instant;

/**
 * Everything that says where a model stands, in one immutable record behind one
 * {@code AtomicReference}: what serves, its generation, whether it is pinned, the last refused
 * checkpoint, a checkpoint seen but not yet complete, and the candidate slot a rollout fills. A
 * reader of one state sees one moment; every change swaps the whole record.
 *
 * @param serving what answers requests; null before the first load and after close
 * @param generation the serving generation, 0 before the first load; never goes backwards
 * @param failure the last refused load; {@code remembered} ones are not retried until they change
 * @param pending a checkpoint that may still be being written, looked at again at {@code pending.recheckAt}
 *     or when it changes
 * @param rollout the candidate on trial and its phase (README, "Rolling out a new policy safely"); null when none
 * @param guard the previous version kept loaded after a promotion; null when none
 * @param sourceError why the source could not be read on the last try; null when it could
 */
record ModelState(
        Snapshot serving,
        long generation,
        boolean pinned,
        Failure failure,
        Pending pending,
        Rollout rollout,
        Guard guard,
        String sourceError,
        boolean closed) {

    static final ModelState INITIAL = new ModelState(null, 0, false, null, null, null, null, null, false);

    /** A refused load. */
    record Failure(CheckpointRef ref, LoadFailure failure, boolean remembered) {}

    /** The phases of a candidate. */
    enum Phase {
        SHADOW,
        CANARY
    }

    /** A candidate on trial: which phase since when, and what it has shown so far. */
    record Rollout(Snapshot candidate, Phase phase, Instant since, RolloutStats stats) {}

    /** After a promotion: the previous version, kept loaded until {@code until}, and the error rate it had as stable. */
    record Guard(Snapshot previous, Instant until, RolloutStats stats, double previousErrorRate) {}

    /** A checkpoint not yet complete, and when its age alone may change that. */
    record Pending(CheckpointRef ref, String reason, Instant recheckAt) {}

    ModelState serve(Snapshot next) {
        if (next.version.generation() <= generation) {
            throw new IllegalStateException("generation " + next.version.generation() + " after " + generation + ": generations never go backwards");
        }
        return new ModelState(next, next.version.generation(), pinned, null, null, rollout, guard, sourceError, closed);
    }

    /** The serving version again, loaded anew (optimised): a new snapshot under the same generation. */
    ModelState serveAgain(Snapshot next) {
        if (serving == null || next.version.generation() != generation) {
            throw new IllegalStateException("generation " + next.version.generation() + " is not the serving generation " + generation);
        }
        return new ModelState(next, generation, pinned, failure, pending, rollout, guard, sourceError, closed);
    }

    ModelState pinned(boolean on) {
        return new ModelState(serving, generation, on, failure, pending, rollout, guard, sourceError, closed);
    }

    ModelState failed(Failure f) {
        return new ModelState(serving, generation, pinned, f, null, rollout, guard, sourceError, closed);
    }

    ModelState pending(Pending p) {
        return new ModelState(serving, generation, pinned, failure, p, rollout, guard, sourceError, closed);
    }

    ModelState sourceError(String error) {
        return new ModelState(serving, generation, pinned, failure, pending, rollout, guard, error, closed);
    }

    ModelState closedNow() {
        return new ModelState(null, generation, pinned, failure, pending, null, null, sourceError, true);
    }

    ModelState rollout(Rollout r) {
        return new ModelState(serving, generation, pinned, failure, pending, r, guard, sourceError, closed);
    }

    ModelState guard(Guard g) {
        return new ModelState(serving, generation, pinned, failure, pending, rollout, g, sourceError, closed);
    }

    /** Whether {@code ref} is the remembered failure: a bad file is not retried until it changes. */
    boolean failedBefore(CheckpointRef ref) {
        return failure != null && failure.remembered() && failure.ref().sameAs(ref);
    }
}
