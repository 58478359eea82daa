package dev.hotserve.server.inference;

import dev.hotserve.core.ModelVersion;
import dev.hotserve.engine.Tensor;
import java.util.List;

/**
 * The answer to an {@link InferRequest}: the outputs asked for, in order, and the version that
 * produced them.
 *
 * @param model the model's name
 * @param version the serving version that ran
 * @param versionName its name (file name without extension)
 * @param mtimeText its mtime as ISO-8601 text
 * @param engineNanos time spent in the engine (and the policy head); with a batcher, waiting for its batch too
 */
public record InferResult(String model, ModelVersion version, String versionName, String mtimeText, List<Tensor> outputs,
        long engineNanos) {

    public InferResult {
        outputs = List.copyOf(outputs);
    }

    /** {@link #engineNanos} in milliseconds, as the native API reports it. */
    public double latencyMs() {
        return engineNanos / 1e6;
    }

    /** The output of that name; the request asked for it, so it is there. */
    public Tensor output(String name) {
        for (Tensor t : outputs) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalStateException("no output '" + name + "' in " + outputs);
    }
}
