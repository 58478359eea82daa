package dev.hotserve.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a model's rollout stands, read at one moment (README, "Rolling out a new policy safely"): the candidate and its phase with
 * the drift figures so far, or the guard after a promotion with the previous version kept loaded.
 *
 * @param phase {@code "shadow"}, {@code "canary"}, {@code "guard"} or {@code "none"}
 * @param candidate the candidate version during shadow and canary
 * @param previous the version kept loaded during the guard
 * @param until when the canary or the guard ends; empty during shadow and when none
 * @param comparisons shadow comparisons made; {@code driftP50}, {@code driftP99}, {@code driftMax} over them (NaN before the first)
 * @param skipped shadow comparisons skipped because the shadow queue was busy
 */
public record RolloutStatus(
        String phase,
        Optional<ModelVersion> candidate,
        Optional<ModelVersion> previous,
        Optional<Instant> since,
        Optional<Instant> until,
        int comparisons,
        double driftP50,
        double driftP99,
        double driftMax,
        long skipped,
        long candidateRequests,
        long candidateErrors,
        long candidateNonFinite,
        long stableRequests,
        long stableErrors,
        long stableNonFinite) {

    public static final RolloutStatus NONE = new RolloutStatus("none", Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
            0, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, 0, 0, 0, 0);

    public RolloutStatus {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(until, "until");
    }

    /** Where the rollout of {@code st} stands: its phase and figures, or {@link #NONE}. */
    static RolloutStatus of(ModelState st, RolloutPolicy policy) {
        ModelState.Rollout r = st.rollout();
        if (r != null) {
            RolloutStats.Drift d = r.stats().drift();
            Optional<Instant> until = r.phase() == ModelState.Phase.CANARY ? Optional.of(r.since().plus(policy.canaryDuration())) : Optional.empty();
            return new RolloutStatus(r.phase().name().toLowerCase(java.util.Locale.ROOT), Optional.of(r.candidate().version), Optional.empty(),
                    Optional.of(r.since()), until, d.comparisons(), d.p50(), d.p99(), d.max(), r.stats().skipped.sum(),
                    r.stats().candidate.requests.sum(), r.stats().candidate.errors.sum(), r.stats().candidate.nonFinite.sum(),
                    r.stats().stable.requests.sum(), r.stats().stable.errors.sum(), r.stats().stable.nonFinite.sum());
        }
        ModelState.Guard g = st.guard();
        if (g != null) {
            RolloutStats.Side c = g.stats().candidate;
            return new RolloutStatus("guard", Optional.empty(), Optional.of(g.previous().version), Optional.empty(), Optional.of(g.until()),
                    0, Double.NaN, Double.NaN, Double.NaN, 0, c.requests.sum(), c.errors.sum(), c.nonFinite.sum(), 0, 0, 0);
        }
        return RolloutStatus.NONE;
    }
}
