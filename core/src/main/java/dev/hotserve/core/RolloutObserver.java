package dev.hotserve.core;

import dev.hotserve.engine.Tensor;
import java.util.List;

/**
 * Every way a lease answers reports here while a rollout or guard is under way: the policy's
 * actions, a row model's raw outputs and any model's named tensors. Each counts as a request of
 * its version, a non-finite value in it as a non-finite output (withheld, when the version is on
 * trial), a failure as an error; answers of rows are also offered to the shadow comparison
 * ({@link ShadowQueue}). Given to leases only then, so plain requests pay nothing.
 */
final class RolloutObserver implements Lease.Observer {

    private final StateCell state;
    private final RolloutController rollout;

    RolloutObserver(StateCell state, RolloutController rollout) {
        this.state = state;
        this.rollout = rollout;
    }

    @Override
    public void served(Snapshot s, float[] rows, int rowCount, boolean deterministic, float[] actions) {
        ModelState.Rollout shadowed = onServed(s, allFinite(actions));
        if (shadowed != null) {
            rollout.shadow.offer(shadowed, s, rows, rowCount, deterministic ? actions : null, null);
        }
    }

    @Override
    public void servedOutputs(Snapshot s, float[] rows, int rowCount, float[][] outputs) {
        ModelState.Rollout shadowed = onServed(s, allFinite(outputs));
        if (shadowed != null) {
            rollout.shadow.offer(shadowed, s, rows, rowCount, null, outputs);
        }
    }

    @Override
    public void servedTensors(Snapshot s, List<Tensor> outputs) {
        onServed(s, allFinite(outputs)); // no rows to run again: counted and guarded, not shadowed
    }

    @Override
    public void failed(Snapshot s, RuntimeException e) {
        onFailed(s, e);
    }

    /**
     * Counts an answer of {@code s}, withholds it when it is not finite and {@code s} is on trial, and
     * returns the rollout whose shadow should see it (stable answered during a shadow phase), else null.
     *
     * @throws NonFiniteOutputException when {@code s} is the candidate, or the version under guard, and
     *     answered a non-finite value
     */
    private ModelState.Rollout onServed(Snapshot s, boolean finite) {
        ModelState st = state.get();
        ModelState.Rollout r = st.rollout();
        if (r != null) {
            if (s == r.candidate()) {
                r.stats().candidate.requests.increment();
                if (!finite) {
                    r.stats().candidate.nonFinite.increment();
                    throw new NonFiniteOutputException(s.version, "candidate " + s.version.name() + " (generation " + s.version.generation()
                            + ") answered with a non-finite value; the answer is withheld and counted against it");
                }
                return null;
            }
            r.stats().stable.requests.increment();
            if (!finite) {
                r.stats().stable.nonFinite.increment();
            }
            return r.phase() == ModelState.Phase.SHADOW ? r : null;
        }
        ModelState.Guard g = st.guard();
        if (g != null && s == st.serving()) {
            g.stats().candidate.requests.increment();
            if (!finite) {
                g.stats().candidate.nonFinite.increment();
                rollout.rollBack(g, s, "generation " + s.version.generation() + " answered with a non-finite value during its guard");
                throw new NonFiniteOutputException(s.version, "version " + s.version.name() + " (generation " + s.version.generation()
                        + ") answered with a non-finite value during its guard; rolled back to " + g.previous().version.name());
            }
        }
        return null;
    }

    private void onFailed(Snapshot s, RuntimeException e) {
        ModelState st = state.get();
        ModelState.Rollout r = st.rollout();
        if (r != null) {
            (s == r.candidate() ? r.stats().candidate : r.stats().stable).errors.increment();
            return;
        }
        ModelState.Guard g = st.guard();
        if (g != null && s == st.serving()) {
            g.stats().candidate.errors.increment();
            if (g.stats().candidate.errorRate() > g.previousErrorRate()) {
                rollout.rollBack(g, s, "error rate " + g.stats().candidate.errorRate() + " during its guard, above the previous version's "
                        + g.previousErrorRate() + " (" + e + ")");
            }
        }
    }

    static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    static boolean allFinite(float[][] outputs) {
        for (float[] o : outputs) {
            if (!allFinite(o)) {
                return false;
            }
        }
        return true;
    }

    /** Whether every floating-point tensor holds only finite values (integer and boolean ones always do). */
    static boolean allFinite(List<Tensor> outputs) {
        for (Tensor t : outputs) {
            if (t.firstNonFinite() >= 0) {
                return false;
            }
        }
        return true;
    }
}
