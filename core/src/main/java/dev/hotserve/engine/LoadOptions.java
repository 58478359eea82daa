package dev.hotserve.engine;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How an engine should load a model.
 *
 * @param optimize the graph optimisation / compilation switch ({@code HOTSERVE_JIT})
 * @param threads intra-op threads per model (1 serves best on small models: more threads spin
 *     every core even at batch 1)
 * @param stateDim the input width when known from outside the file (the {@code <file>.json}
 *     sidecar); required by formats that do not store input shapes, such as TorchScript
 * @param declared the inputs and outputs declared outside the file ({@code "inputs"} and
 *     {@code "outputs"} of the {@code <file>.json} sidecar, see {@link DeclaredSignature}): the
 *     names, types and shapes of a TorchScript model that is not a row model
 */
public record LoadOptions(boolean optimize, int threads, OptionalInt stateDim, Optional<ModelSignature> declared) {

    public LoadOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        Objects.requireNonNull(stateDim, "stateDim");
        Objects.requireNonNull(declared, "declared");
        stateDim.ifPresent(d -> {
            if (d <= 0) {
                throw new IllegalArgumentException("state_dim must be positive, was " + d);
            }
        });
    }

    public LoadOptions(boolean optimize, int threads, OptionalInt stateDim) {
        this(optimize, threads, stateDim, Optional.empty());
    }

    public static LoadOptions defaults() {
        return new LoadOptions(false, 1, OptionalInt.empty());
    }

    public LoadOptions withStateDim(int dim) {
        return new LoadOptions(optimize, threads, OptionalInt.of(dim), declared);
    }

    public LoadOptions withOptimize(boolean on) {
        return new LoadOptions(on, threads, stateDim, declared);
    }

    public LoadOptions withDeclared(ModelSignature signature) {
        return new LoadOptions(optimize, threads, stateDim, Optional.of(signature));
    }
}
