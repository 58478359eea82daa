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
 * @param optimizeLater with {@code optimize}: an engine whose optimisation makes the load slower
 *     (ONNX Runtime's graph optimiser) may load the model unoptimised and say so in
 *     {@link LoadedModel#optimized()}; the caller loads it again, optimised, off the waiting
 *     request's path. An engine that optimises lazily ignores it.
 */
public record LoadOptions(boolean optimize, int threads, OptionalInt stateDim, Optional<ModelSignature> declared, boolean optimizeLater) {

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

    public LoadOptions(boolean optimize, int threads, OptionalInt stateDim, Optional<ModelSignature> declared) {
        this(optimize, threads, stateDim, declared, false);
    }

    public LoadOptions(boolean optimize, int threads, OptionalInt stateDim) {
        this(optimize, threads, stateDim, Optional.empty());
    }

    public static LoadOptions defaults() {
        return new LoadOptions(false, 1, OptionalInt.empty());
    }

    public LoadOptions withStateDim(int dim) {
        return new LoadOptions(optimize, threads, OptionalInt.of(dim), declared, optimizeLater);
    }

    public LoadOptions withOptimize(boolean on) {
        return new LoadOptions(on, threads, stateDim, declared, optimizeLater);
    }

    public LoadOptions withDeclared(ModelSignature signature) {
        return new LoadOptions(optimize, threads, stateDim, Optional.of(signature), optimizeLater);
    }

    public LoadOptions withOptimizeLater(boolean later) {
        return new LoadOptions(optimize, threads, stateDim, declared, later);
    }

    /** Whether an engine that honours {@link #optimizeLater} should optimise during this load. */
    public boolean optimizeNow() {
        return optimize && !optimizeLater;
    }
}
