package dev.hotserve.core.testing;

import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model of the fake engine: action {@code j} of a row is {@code bias + j + gain * sum(row) / 1000},
 * or NaN when the checkpoint says so. It records the rows of each call. It checks the core's promises about it: {@link #run} never after
 * {@link #close}, {@code close} never while a {@code run} is in progress and never twice. Breaches are
 * collected in the engine's violation list rather than thrown, so a stress test sees all of them.
 */
public final class FakeModel implements LoadedModel {

    private final Path file;
    private final ModelSignature signature;
    private final float bias;
    private final float gain;
    private final boolean nan;
    private final Queue<Integer> calls = new ConcurrentLinkedQueue<>();
    private final Queue<String> violations;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();

    private final Runnable beforeRun;

    private final boolean optimized;

    FakeModel(Path file, int stateDim, int actionDim, float bias, float gain, boolean nan, Queue<String> violations, Runnable beforeRun) {
        this(file, stateDim, actionDim, bias, gain, nan, violations, beforeRun, false);
    }

    FakeModel(Path file, int stateDim, int actionDim, float bias, float gain, boolean nan, Queue<String> violations, Runnable beforeRun,
            boolean optimized) {
        this.optimized = optimized;
        this.beforeRun = beforeRun;
        this.file = file;
        this.signature = new ModelSignature("state", stateDim, List.of(new ModelSignature.Output("action", actionDim)));
        this.bias = bias;
        this.gain = gain;
        this.nan = nan;
        this.violations = violations;
    }

    public Path file() {
        return file;
    }

    public float bias() {
        return bias;
    }

    /** The rows of each call of {@link #run}, in call order. */
    public List<Integer> calls() {
        return new ArrayList<>(calls);
    }

    public int closeCount() {
        return closes.get();
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public float[][] run(float[] input, int rows) {
        running.incrementAndGet();
        calls.add(rows);
        try {
            beforeRun.run();
            if (closes.get() > 0) {
                violations.add("run after close on " + file);
            }
            int in = signature.inputWidth();
            int k = signature.outputs().get(0).width();
            float[] out = new float[rows * k];
            for (int r = 0; r < rows; r++) {
                float sum = 0;
                for (int c = 0; c < in; c++) {
                    sum += input[r * in + c];
                }
                for (int j = 0; j < k; j++) {
                    out[r * k + j] = nan ? Float.NaN : bias + j + gain * sum / 1000f;
                }
            }
            return new float[][] {out};
        } finally {
            running.decrementAndGet();
        }
    }

    @Override
    public boolean optimized() {
        return optimized;
    }

    @Override
    public void close() {
        if (running.get() > 0) {
            violations.add("closed while running on " + file);
        }
        if (closes.incrementAndGet() > 1) {
            violations.add("closed " + closes.get() + " times: " + file);
        }
    }

    @Override
    public String toString() {
        return "FakeModel[" + file + ", bias " + bias + ", closed " + closes.get() + "x]";
    }
}
