package dev.hotserve.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * A model held in an engine's native memory: named, typed tensors in, named, typed tensors out.
 *
 * <p>Both {@code run} methods are safe to call from many threads at once. {@link #close} releases
 * the native resources; the core guarantees it is called exactly once and never while a call is
 * running, so implementations need no guard of their own for that.
 */
public interface LoadedModel extends AutoCloseable {

    /** Inputs and outputs, known once loading has finished. */
    ModelSignature signature();

    /**
     * Runs the model on named tensors.
     *
     * <p>The default serves row models through {@link #run(float[], int)}; an engine that loads
     * other models overrides it.
     *
     * @param inputs one tensor per input of the signature, in any order; checked with
     *     {@link ModelSignature#check}
     * @return one tensor per output, in the order of {@link ModelSignature#outputs()}
     * @throws InvalidInputException when an input does not fit the signature
     * @throws InferenceException when the engine fails on valid input
     */
    default List<Tensor> run(List<Tensor> inputs) {
        ModelSignature sig = signature();
        if (!sig.isRowModel()) {
            throw new UnsupportedOperationException(getClass().getName() + " serves only row models; " + sig + " is not one");
        }
        Tensor in = sig.check(inputs).get(0);
        int rows = Math.toIntExact(in.dim(0));
        return rowOutputs(sig, run(in.floats(), rows), rows);
    }

    /** Wraps the {@code float[]} outputs of a row model as tensors {@code [rows]} or {@code [rows, width]}. */
    static List<Tensor> rowOutputs(ModelSignature sig, float[][] outputs, int rows) {
        List<Tensor> out = new ArrayList<>(outputs.length);
        for (int i = 0; i < outputs.length; i++) {
            TensorSpec spec = sig.outputs().get(i);
            long[] shape = spec.rank() == 1 ? new long[] {rows} : new long[] {rows, spec.width()};
            out.add(Tensor.ofFloats(spec.name(), shape, outputs[i]));
        }
        return out;
    }

    /**
     * The fast path of a row model: {@code rows} rows of the one FP32 input, no tensor objects.
     *
     * @param input {@code rows * signature().inputWidth()} values, row-major; not retained
     * @param rows at least 1
     * @return one array per output, in the order of {@link ModelSignature#outputs()}, output
     *     {@code i} holding {@code rows * outputs().get(i).width()} values, row-major
     * @throws UnsupportedOperationException when the model is not a row model
     * @throws InferenceException when the engine fails on this input
     */
    float[][] run(float[] input, int rows);

    /** Whether the engine's graph optimisation / compilation step is on (HOTSERVE_JIT). */
    boolean optimized();

    /** Releases native memory. Called exactly once, by the core, when no call is running. */
    @Override
    void close();
}
