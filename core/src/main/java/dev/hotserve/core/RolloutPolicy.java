package dev.hotserve.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a new checkpoint goes live (README, "Rolling out a new policy safely").
 *
 * <ul>
 *   <li>{@link Mode#IMMEDIATE}: it serves every request as soon as it loads (the default).
 *   <li>{@link Mode#SHADOW}: it loads as the candidate beside stable, which keeps answering; a
 *       fraction of live requests is also run on it off the response path, and after
 *       {@code shadowSamples} comparisons it is promoted if the p99 drift is at most
 *       {@code maxDrift} and it produced no error or non-finite value, else rejected.
 *   <li>{@link Mode#CANARY}: after the shadow phase (none when {@code shadowSamples} is 0), it
 *       answers {@code canaryFraction} of requests, sticky per routing key, for
 *       {@code canaryDuration}; promoted unless its error rate or non-finite outputs exceed stable's.
 * </ul>
 *
 * After any promotion the previous version stays loaded for {@code guardDuration}; a non-finite
 * output or an error rate above the previous version's rolls back to it at once.
 *
 * @param stateFile where the stable version is written down (atomically) so that a restart during
 *     a rollout comes back on stable; empty: not written
 */
public record RolloutPolicy(
        Mode mode,
        int shadowSamples,
        double maxDrift,
        double shadowFraction,
        double canaryFraction,
        Duration canaryDuration,
        Duration guardDuration,
        Optional<Path> stateFile) {

    /** How a new checkpoint goes live. */
    public enum Mode {
        IMMEDIATE,
        SHADOW,
        CANARY
    }

    public static final RolloutPolicy IMMEDIATE = defaults(Mode.IMMEDIATE);

    public RolloutPolicy {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(canaryDuration, "canaryDuration");
        Objects.requireNonNull(guardDuration, "guardDuration");
        Objects.requireNonNull(stateFile, "stateFile");
        if (shadowSamples < 0) {
            throw new IllegalArgumentException("shadow_samples must not be negative, was " + shadowSamples);
        }
        if (!(maxDrift >= 0)) {
            throw new IllegalArgumentException("max_drift must be a number >= 0, was " + maxDrift);
        }
        if (!(shadowFraction > 0 && shadowFraction <= 1)) {
            throw new IllegalArgumentException("shadow_fraction must be in (0, 1], was " + shadowFraction);
        }
        if (!(canaryFraction > 0 && canaryFraction <= 1)) {
            throw new IllegalArgumentException("canary_fraction must be in (0, 1], was " + canaryFraction);
        }
        if (canaryDuration.isNegative() || guardDuration.isNegative()) {
            throw new IllegalArgumentException("canary_duration and guard_duration must not be negative");
        }
        if (mode == Mode.SHADOW && shadowSamples == 0) {
            throw new IllegalArgumentException("rollout mode shadow needs shadow_samples > 0 (or use canary)");
        }
    }

    /** The defaults of README, "Rolling out a new policy safely": 1000 samples, max drift 0.1, every request shadowed, 10 % canary for 60 s, 60 s guard. */
    public static RolloutPolicy defaults(Mode mode) {
        return new RolloutPolicy(mode, 1000, 0.1, 1.0, 0.1, Duration.ofSeconds(60), Duration.ofSeconds(60), Optional.empty());
    }

    public RolloutPolicy withShadowSamples(int n) {
        return new RolloutPolicy(mode, n, maxDrift, shadowFraction, canaryFraction, canaryDuration, guardDuration, stateFile);
    }

    public RolloutPolicy withMaxDrift(double d) {
        return new RolloutPolicy(mode, shadowSamples, d, shadowFraction, canaryFraction, canaryDuration, guardDuration, stateFile);
    }

    public RolloutPolicy withShadowFraction(double f) {
        return new RolloutPolicy(mode, shadowSamples, maxDrift, f, canaryFraction, canaryDuration, guardDuration, stateFile);
    }

    public RolloutPolicy withCanary(double fraction, Duration duration) {
        return new RolloutPolicy(mode, shadowSamples, maxDrift, shadowFraction, fraction, duration, guardDuration, stateFile);
    }

    public RolloutPolicy withGuardDuration(Duration d) {
        return new RolloutPolicy(mode, shadowSamples, maxDrift, shadowFraction, canaryFraction, canaryDuration, d, stateFile);
    }

    public RolloutPolicy withStateFile(Path file) {
        return new RolloutPolicy(mode, shadowSamples, maxDrift, shadowFraction, canaryFraction, canaryDuration, guardDuration,
                Optional.of(file));
    }

    public boolean immediate() {
        return mode == Mode.IMMEDIATE;
    }
}
