package dev.hotserve.source.s3;

import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.SourceHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * What the last poll and stage of one S3 source left: the current checkpoint, the pointer's ETag,
 * the store's health and the backoff. Swapped whole, so {@link S3CheckpointSource#current()} and
 * {@link S3CheckpointSource#health()} never see half of one poll and half of another.
 */
final class StoreState {

    /**
     * @param current what serves, as of the last successful poll
     * @param pointerEtag the ETag of the pointer {@code current} came from; empty when it came
     *     from a listing (or before the first poll), so the next poll fetches the pointer whole
     * @param nextAttempt polls and stages before this instant are skipped (backoff); {@link Instant#MIN} after a success
     */
    record State(Optional<CheckpointRef> current, Optional<String> pointerEtag, SourceHealth health, Instant nextAttempt) {}

    private final S3SourceSettings settings;
    private final AtomicReference<State> state = new AtomicReference<>(new State(Optional.empty(), Optional.empty(),
            new SourceHealth(false, Optional.empty(), Optional.of("not polled yet"), 0), Instant.MIN));
    /** Jitter of the backoff, so that a fleet does not retry in step. */
    private final SplittableRandom jitter = new SplittableRandom();

    StoreState(S3SourceSettings settings) {
        this.settings = settings;
    }

    State get() {
        return state.get();
    }

    State update(UnaryOperator<State> f) {
        return state.updateAndGet(f);
    }

    static SourceHealth reached(Instant now) {
        return new SourceHealth(true, Optional.of(now), Optional.empty(), 0);
    }

    /** A failed poll: keeps {@code current} (the last good answer), forgets the pointer's ETag (the resolution is redone whole), backs off. */
    State pollFailed(String reason, boolean reached, Instant now) {
        return update(s -> new State(s.current(), Optional.empty(), failedHealth(s, reason, reached, now), now.plus(backoff(s))));
    }

    /** A failed stage: as a failed poll, but the pointer's ETag stays (what it names did not change). */
    State stageFailed(String reason, boolean reached, Instant now) {
        return update(s -> new State(s.current(), s.pointerEtag(), failedHealth(s, reason, reached, now), now.plus(backoff(s))));
    }

    /** A whole stage reached the store: whatever failed before is over. */
    void stageSucceeded(Instant now) {
        update(s -> new State(s.current(), s.pointerEtag(), reached(now), Instant.MIN));
    }

    /** The next poll resolves the pointer's key again (its object changed in place). */
    void forgetPointerEtag() {
        update(s -> new State(s.current(), Optional.empty(), s.health(), s.nextAttempt()));
    }

    private static SourceHealth failedHealth(State s, String reason, boolean reached, Instant now) {
        int failures = s.health().consecutiveFailures() + 1;
        return new SourceHealth(reached, reached ? Optional.of(now) : s.health().lastReached(), Optional.of(reason), failures);
    }

    /** initial * 2^(failures-1), capped, times a factor in [0.5, 1) so that replicas spread out. */
    private Duration backoff(State before) {
        int failures = before.health().consecutiveFailures() + 1;
        long initial = settings.initialBackoff().toMillis();
        long max = settings.maxBackoff().toMillis();
        long full = failures >= 31 ? max : Math.min(max, initial << Math.min(failures - 1, 30));
        double f;
        synchronized (jitter) {
            f = jitter.nextDouble();
        }
        return Duration.ofMillis((long) (full * (0.5 + 0.5 * f)));
    }
}
