package dev.hotserve.core;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;

/**
 * Safe rollout (README, "Safe rollout"): a new checkpoint loads as the candidate beside stable and must prove
 * itself — on shadowed live traffic, then optionally as a canary — before it answers everyone; a
 * promoted version is watched by a guard that rolls back at once on a non-finite output or a
 * higher error rate.
 *
 * <p>Every decision that changes the state runs under the reloader's lock and re-checks that the
 * rollout it decides about is still the current one (the same record), so a shadow result arriving
 * after the candidate was replaced decides nothing. At most two versions are loaded: a candidate
 * is retired before the next one loads, and new checkpoints wait while a guard holds the previous
 * version. A retired candidate closes by the lease rule like any model.
 *
 * <p>The answers it decides on are counted by the {@link RolloutObserver}; which version answers a
 * canary request is the {@link CanaryRouting}'s; the stable version is written down in the
 * {@link StableVersionFile}.
 */
final class RolloutController {

    private static final System.Logger LOG = System.getLogger(RolloutController.class.getName());

    private final String name;
    private final RolloutPolicy policy;
    private final StateCell state;
    private final VersionLog log;
    private final InstantSource clock;
    final ShadowQueue shadow;
    private final ReloadLock lock;
    private final Runnable onClose;
    private final Optional<StableVersionFile> stableFile;

    RolloutController(String name, RolloutPolicy policy, StateCell state, VersionLog log, InstantSource clock,
            ShadowQueue.Settings shadow, ReloadLock lock, Runnable onClose, Optional<StableVersionFile> stableFile) {
        this.name = name;
        this.policy = policy;
        this.stableFile = stableFile;
        this.state = state;
        this.log = log;
        this.clock = clock;
        this.lock = lock;
        this.onClose = onClose;
        this.shadow = new ShadowQueue(shadow, policy, new ShadowQueue.Decisions() {
            @Override
            public boolean current(ModelState.Rollout r) {
                return state.get().rollout() == r;
            }

            @Override
            public void decide(ModelState.Rollout r) {
                lock.acquire();
                try {
                    if (state.get().rollout() == r) {
                        decideShadowLocked(r);
                    }
                } finally {
                    lock.release();
                }
            }
        });
    }

    RolloutPolicy policy() {
        return policy;
    }

    // ---------------------------------------------------------------- loading a candidate

    /** Installs a freshly loaded snapshot as the candidate; the lock is held, nothing else serves it yet. */
    Snapshot installCandidateLocked(Snapshot next, Duration took) {
        ModelState.Phase phase = policy.shadowSamples() > 0 ? ModelState.Phase.SHADOW : ModelState.Phase.CANARY;
        ModelState.Rollout r = new ModelState.Rollout(next, phase, clock.instant(), new RolloutStats(policy.shadowSamples()));
        StateCell.Change installed = state.installCandidate(r);
        if (installed == null) {
            next.retire();
            throw new IllegalStateException("model '" + name + "' was closed during the load of " + next.version.path());
        }
        long g = installed.before().generation();
        String plan = phase == ModelState.Phase.SHADOW
                ? "shadowing " + percent(policy.shadowFraction()) + " of requests for " + policy.shadowSamples() + " comparisons"
                : "canary on " + percent(policy.canaryFraction()) + " of requests for " + policy.canaryDuration().toSeconds() + " s";
        log.record(new ReloadEvent(clock.instant(), ReloadKind.CANDIDATE, g, g, next.version.path(),
                "candidate " + next.version.name() + " loaded beside stable generation " + g + ": " + plan, took, null));
        return next;
    }

    /** Retires the candidate (a newer checkpoint replaces it, or an explicit operation supersedes it); not remembered. */
    void dropCandidateLocked(String why) {
        ModelState.Rollout r = state.get().rollout();
        if (r == null) {
            return;
        }
        StateCell.Change dropped = state.dropCandidate(r);
        if (dropped != null) { // only the call that dropped it retires it: closed exactly once
            r.candidate().retire();
            long g = dropped.before().generation();
            log.record(new ReloadEvent(clock.instant(), ReloadKind.REJECTED, g, g, r.candidate().version.path(),
                    "candidate " + r.candidate().version.name() + " dropped: " + why + " (" + r.stats().drift() + ")", Duration.ZERO, null));
        }
    }

    /** Ends a guard now: the previous version is released (an explicit operation, or the guard's time is up). */
    void endGuardLocked(String why) {
        ModelState.Guard g = state.get().guard();
        if (g != null && state.endGuard(g) != null) {
            g.previous().retire();
            LOG.log(System.Logger.Level.INFO, "model ''{0}'': guard over ({1}); generation {2} released", name, why,
                    g.previous().version.generation());
        }
    }

    /** Ends a canary or a guard whose time is up; cheap when nothing is due. */
    void maybeAdvance(ModelState st) {
        Instant now = null;
        ModelState.Rollout r = st.rollout();
        if (r != null && r.phase() == ModelState.Phase.CANARY) {
            now = clock.instant();
            if (!now.isBefore(r.since().plus(policy.canaryDuration())) && lock.tryAcquire()) {
                try {
                    if (state.get().rollout() == r) {
                        decideCanaryLocked(r);
                    }
                } finally {
                    lock.release();
                }
            }
        }
        ModelState.Guard g = st.guard();
        if (g != null) {
            now = now != null ? now : clock.instant();
            if (!now.isBefore(g.until()) && lock.tryAcquire()) {
                try {
                    if (state.get().guard() == g) {
                        endGuardLocked("its " + policy.guardDuration().toSeconds() + " s passed");
                    }
                } finally {
                    lock.release();
                }
            }
        }
    }

    // ---------------------------------------------------------------- decisions

    private void decideShadowLocked(ModelState.Rollout r) {
        RolloutStats.Drift d = r.stats().drift();
        long errors = r.stats().candidate.errors.sum();
        long nonFinite = r.stats().candidate.nonFinite.sum();
        if (!(d.p99() <= policy.maxDrift()) || errors > 0 || nonFinite > 0) {
            rejectLocked(r, "shadow: " + d + " (max_drift " + policy.maxDrift() + "), " + errors + " errors, " + nonFinite
                    + " non-finite outputs");
            return;
        }
        if (policy.mode() == RolloutPolicy.Mode.CANARY) {
            ModelState.Rollout canary = new ModelState.Rollout(r.candidate(), ModelState.Phase.CANARY, clock.instant(), r.stats());
            StateCell.Change toCanary = state.toCanary(r, canary);
            if (toCanary != null) {
                long g = toCanary.before().generation();
                log.record(new ReloadEvent(clock.instant(), ReloadKind.CANDIDATE, g, g,
                        r.candidate().version.path(), "candidate " + r.candidate().version.name() + " passed shadow (" + d + "); canary on "
                        + percent(policy.canaryFraction()) + " of requests for " + policy.canaryDuration().toSeconds() + " s", Duration.ZERO,
                        null));
            }
            return;
        }
        promoteLocked(r, "shadow passed: " + d + " (max_drift " + policy.maxDrift() + ")");
    }

    private void decideCanaryLocked(ModelState.Rollout r) {
        RolloutStats.Side c = r.stats().candidate;
        RolloutStats.Side s = r.stats().stable;
        String figures = "canary: candidate " + c.requests.sum() + " requests, " + c.errors.sum() + " errors, " + c.nonFinite.sum()
                + " non-finite; stable " + s.requests.sum() + " requests, " + s.errors.sum() + " errors, " + s.nonFinite.sum() + " non-finite";
        if (c.errorRate() > s.errorRate() || c.nonFinite.sum() > s.nonFinite.sum()) {
            rejectLocked(r, figures);
        } else {
            promoteLocked(r, figures);
        }
    }

    /** By hand: promote the candidate now, whatever its phase. */
    ModelVersion promoteByHandLocked() {
        ModelState.Rollout r = state.get().rollout();
        if (r == null) {
            throw new ReloadFailedException("model '" + name + "' has no candidate to promote");
        }
        promoteLocked(r, "promoted by hand (" + r.stats().drift() + ")");
        return r.candidate().version;
    }

    /** By hand: reject the candidate now; it is not tried again until its file changes. */
    ModelVersion rejectByHandLocked() {
        ModelState.Rollout r = state.get().rollout();
        if (r == null) {
            throw new ReloadFailedException("model '" + name + "' has no candidate to reject");
        }
        rejectLocked(r, "rejected by hand (" + r.stats().drift() + ")");
        return r.candidate().version;
    }

    private void promoteLocked(ModelState.Rollout r, String why) {
        Snapshot next = r.candidate();
        // Written down first: a promotion the state file does not know of would be undone by a
        // restart, so one that cannot be written (a full disk) is refused and stable serves on.
        Optional<String> unwritten = writeStable(next.version);
        if (unwritten.isPresent()) {
            rejectLocked(r, unwritten.get());
            return;
        }
        StateCell.Change promoted = state.promote(r, previous -> policy.guardDuration().isZero() || previous == null ? null
                : new ModelState.Guard(previous, clock.instant().plus(policy.guardDuration()), new RolloutStats(0), r.stats().stable.errorRate()));
        if (promoted == null) {
            return;
        }
        ModelState prev = promoted.before();
        ModelState after = promoted.after();
        if (after.guard() == null && prev.serving() != null) {
            prev.serving().retire();
        }
        log.loaded(next.version);
        log.record(new ReloadEvent(clock.instant(), ReloadKind.PROMOTED, prev.generation(), next.version.generation(), next.version.path(),
                "candidate " + next.version.name() + " promoted: " + why
                        + (after.guard() != null ? "; generation " + prev.generation() + " stays loaded for a " + policy.guardDuration().toSeconds() + " s guard" : ""),
                Duration.ZERO, null));
    }

    private void rejectLocked(ModelState.Rollout r, String why) {
        Snapshot c = r.candidate();
        ModelState.Failure f = new ModelState.Failure(c.ref, new LoadFailure(c.version.path(), clock.instant(), "rollout rejected: " + why), true);
        StateCell.Change rejected = state.reject(r, f);
        if (rejected == null) {
            return;
        }
        ModelState prev = rejected.before();
        c.retire();
        LOG.log(System.Logger.Level.WARNING, "model ''{0}'': candidate {1} rejected: {2}", name, c.version.name(), why);
        log.record(new ReloadEvent(clock.instant(), ReloadKind.REJECTED, prev.generation(), prev.generation(), c.version.path(),
                "candidate " + c.version.name() + " rejected: " + why + "; generation " + prev.generation() + " keeps serving", Duration.ZERO, null));
    }

    /** The guard trips: the previous version serves again, as a new generation; the bad one is remembered as refused. */
    void rollBack(ModelState.Guard g, Snapshot bad, String why) {
        lock.acquire();
        try {
            ModelState prev = state.get();
            if (prev.guard() != g || prev.serving() != bad) {
                return; // someone else already acted
            }
            Snapshot old = g.previous();
            ModelVersion v = old.version;
            ModelVersion again = v.servedAgainAs(prev.generation() + 1, clock.instant());
            // The same loaded model serves again under a new generation; the new snapshot owns its close.
            Snapshot reborn = new Snapshot(again, old.ref, old.model, old.head, old.batcher, onClose);
            ModelState.Failure f = new ModelState.Failure(bad.ref, new LoadFailure(bad.version.path(), clock.instant(),
                    "rolled back during its guard: " + why), true);
            if (state.rollBack(g, bad, reborn, f) == null) {
                return; // the guard or what serves changed: nothing to roll back
            }
            bad.retire();
            log.loaded(again);
            log.record(new ReloadEvent(clock.instant(), ReloadKind.AUTO_ROLLED_BACK, prev.generation(), again.generation(), v.path(),
                    "rolled back from " + bad.version.name() + " (generation " + bad.version.generation() + ") to " + v.name() + ": " + why,
                    Duration.ZERO, null));
            persist(again);
        } finally {
            lock.release();
        }
    }

    // ---------------------------------------------------------------- the durable stable version

    /** Writes down which version is stable, if a state file is configured; a failed write is logged, the rollout goes on. */
    void persist(ModelVersion stable) {
        writeStable(stable).ifPresent(why -> LOG.log(System.Logger.Level.WARNING, "model ''{0}'': {1}", name, why));
    }

    /** Writes down which version is stable, if a state file is configured; empty when done, else why not. */
    private Optional<String> writeStable(ModelVersion stable) {
        if (stableFile.isEmpty()) {
            return Optional.empty();
        }
        try {
            stableFile.get().write(stable);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot write the rollout state file " + stableFile.get().file() + ": " + e);
        }
    }

    /** The stable version written down by an earlier run, checked against this model and its source. */
    StableVersionFile.Recorded readStable() {
        return stableFile.isEmpty() ? new StableVersionFile.Absent() : stableFile.get().read();
    }

    private static String percent(double f) {
        return String.format(java.util.Locale.ROOT, "%.0f %%", f * 100);
    }
}
