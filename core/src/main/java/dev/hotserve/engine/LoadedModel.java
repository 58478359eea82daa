package dev.hotserve.engine;

/**
 * A model held in an engine's native memory: {@code float[rows][inputWidth] -> outputs}.
 *
 * <p>{@link #run} is safe to call from many threads at once. {@link #close} releases the native
 * resources; the core guarantees it is called exactly once and never while a call is running,
 * so implementations need no guard of their own for that.
 */
public interface LoadedModel extends AutoCloseable {

    /** Input and output names and widths, known once loading has finished. */
    ModelSignature signature();

    /**
     * Runs the model on {@code rows} rows.
     *
     * @param input {@code rows * signature().inputWidth()} values, row-major; not retained
     * @param rows at least 1
     * @return one array per output, in the order of {@link ModelSignature#outputs()}, output
     *     {@code i} holding {@code rows * outputs().get(i).width()} values, row-major
     * @throws InferenceException when the engine fails on this input
     */
    float[][] run(float[] input, int rows);

    /** Whether the engine's graph optimisation / compilation step is on (HOTSERVE_JIT). */
    boolean optimized();

    /** Releases native memory. Called exactly once, by the core, when no call is running. */
    @Override
    void close();
}
