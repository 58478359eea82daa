package dev.hotserve.core;

import dev.hotserve.batch.Batching;
import dev.hotserve.source.SourceHealth;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything an info route needs about one model, read at one moment.
 *
 * @param generation the serving generation, 0 when nothing was ever loaded
 * @param pinned whether a rollback pinned the serving version (newer files are not followed)
 * @param source where checkpoints come from, e.g. {@code "file /x/y.onnx"} or
 *     {@code "directory /x (model_*.{onnx,pt})"}
 * @param lastError the last failed load, cleared by the next successful one
 * @param pending a checkpoint seen but not yet complete (still being written), and why
 * @param sourceHealth whether the source could be reached, and when it last was
 * @param batching the dynamic batching settings
 * @param queueDepth requests waiting in the serving version's batch queue
 * @param rollout the candidate or guard, when a rollout is under way
 */
public record ModelStatus(
        String name,
        Optional<ModelVersion> current,
        long generation,
        boolean pinned,
        ReloadMode mode,
        String source,
        Optional<LoadFailure> lastError,
        Optional<String> pending,
        SourceHealth sourceHealth,
        Batching batching,
        int queueDepth,
        RolloutStatus rollout) {

    public ModelStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(pending, "pending");
        Objects.requireNonNull(sourceHealth, "sourceHealth");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(rollout, "rollout");
    }
}
