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
 * One served model: its URL name, where its checkpoints come from, and how it reloads.
 *
 * @param settleWindow how long a fresh file must stay unchanged before it loads; empty: the core's default (50 ms)
 * @param stateDim refuse checkpoints of another input width; empty: any
 * @param pollInterval zero: no polling (a request notices a newer file)
 * @param jit the engine's optimisation switch ({@code HOTSERVE_JIT})
 * @param threads intra-op threads per loaded model
 * @param batching dynamic batching ({@code max_batch_size}, {@code max_queue_delay}); off by default
 * @param rollout how a new checkpoint goes live (SPEC §11); immediate by default
 * @param signatures what a load does with the checkpoint's {@code .sig} (SPEC §16); off by default
 * @param trustedKeys PEM files of the public keys and CA certificates a signature must chain to
 */
public record ModelConfig(String name, ModelSource source, ReloadMode mode, Duration pollInterval, boolean jit, int threads,
        Optional<Duration> settleWindow, OptionalInt stateDim, Batching batching, RolloutPolicy rollout,
        SignatureMode signatures, List<Path> trustedKeys) {

    public ModelConfig {
        Objects.requireNonNull(name, "name");
        if (!ModelName.isValid(name)) {
            throw new IllegalArgumentException(ModelName.refusal(name));
        }
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.isNegative()) {
            throw new IllegalArgumentException("poll interval must not be negative, was " + pollInterval);
        }
        Objects.requireNonNull(settleWindow, "settleWindow");
        Objects.requireNonNull(stateDim, "stateDim");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(rollout, "rollout");
        Objects.requireNonNull(signatures, "signatures");
        trustedKeys = List.copyOf(trustedKeys);
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
    }
}
