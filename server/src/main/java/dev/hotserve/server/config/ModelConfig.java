package dev.hotserve.server.config;

import dev.hotserve.batch.Batching;
import dev.hotserve.core.ReloadMode;
import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.signing.SignatureMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One served model: its URL name, where its checkpoints come from, its per-model settings (each
 * accessor below reads one or a few rows of {@link Setting}) and how a new checkpoint goes live.
 *
 * @param values the per-model settings, parsed, defaults filled in
 * @param rollout how a new checkpoint goes live (README, "Rolling out a new policy safely"); immediate by default
 */
public record ModelConfig(String name, ModelSource source, ModelValues values, RolloutPolicy rollout) {

    public ModelConfig {
        Objects.requireNonNull(name, "name");
        if (!ModelName.isValid(name)) {
            throw new IllegalArgumentException(ModelName.refusal(name));
        }
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(rollout, "rollout");
        if (values.get(Setting.THREADS, Integer.class) < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + values.get(Setting.THREADS, Integer.class));
        }
        Objects.requireNonNull(values.get(Setting.RELOAD_MODE, ReloadMode.class), "mode");
        if (values.get(Setting.POLL_INTERVAL, Duration.class).isNegative()) {
            throw new IllegalArgumentException("poll interval must not be negative, was " + values.get(Setting.POLL_INTERVAL, Duration.class));
        }
        batching(values); // refuses a bad combination now, not at the first request
    }

    public ReloadMode mode() {
        return values.get(Setting.RELOAD_MODE, ReloadMode.class);
    }

    /** Zero: no polling (a request notices a newer file). */
    public Duration pollInterval() {
        return values.get(Setting.POLL_INTERVAL, Duration.class);
    }

    /** The engine's optimisation switch. */
    public boolean jit() {
        return values.get(Setting.JIT, Boolean.class);
    }

    /** Intra-op threads per loaded model. */
    public int threads() {
        return values.get(Setting.THREADS, Integer.class);
    }

    /** How long a fresh file must stay unchanged before it loads; empty: the core's default (50 ms). */
    public Optional<Duration> settleWindow() {
        return values.find(Setting.SETTLE_WINDOW, Duration.class);
    }

    /** Loads of the serving checkpoint, thrown away, after the first load (the core's {@code warmLoads}). */
    public int warmLoads() {
        return values.get(Setting.WARM_LOADS, Integer.class);
    }

    /** Refuse checkpoints of another input width; empty: any. */
    public OptionalInt stateDim() {
        return values.find(Setting.STATE_DIM, Integer.class).map(OptionalInt::of).orElseGet(OptionalInt::empty);
    }

    /** Dynamic batching; off by default. */
    public Batching batching() {
        return batching(values);
    }

    /** What a load does with the checkpoint's {@code .sig}; off by default. */
    public SignatureMode signatures() {
        return values.get(Setting.SIGNATURES, SignatureMode.class);
    }

    /** PEM files of the public keys and CA certificates a signature must chain to. */
    @SuppressWarnings("unchecked")
    public List<Path> trustedKeys() {
        return values.find(Setting.TRUSTED_KEYS, List.class).map(l -> (List<Path>) l).orElse(List.of());
    }

    private static Batching batching(ModelValues values) {
        return Batching.of(values.get(Setting.MAX_BATCH_SIZE, Integer.class), values.get(Setting.MAX_QUEUE_DELAY, Duration.class))
                .withAdaptiveDelay(values.get(Setting.ADAPTIVE_QUEUE_DELAY, Boolean.class));
    }
}
