package dev.hotserve.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a model's rollout stands, read at one moment (SPEC §11): the candidate and its phase with
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
}
