package dev.hotserve.bench;

import dev.hotserve.engine.Engine;
import dev.hotserve.engine.LoadedModel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Load time (issue 5 item 1): what a reload costs the engine, warm — {@link Engine#load} (which
 * includes the engine's own warm-up call), one batch-1 prediction, {@code close()}. SampleTime,
 * so p50 and p99 over many loads; the engines' one-off native initialisation happens in the
 * warm-up iterations.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class LoadBenchmark {

    @Param({"onnx", "torchscript"})
    public String engine;

    @Param({"false", "true"})
    public boolean optimize;

    private Engine impl;
    private Path file;
    private final float[] state = Fixtures.states(1);

    @Setup
    public void find() {
        impl = Fixtures.engine(engine);
        file = Fixtures.actor(engine, 1);
    }

    @Benchmark
    public float[][] loadPredictClose() throws Exception {
        try (LoadedModel m = impl.load(file, Fixtures.options(optimize))) {
            return m.run(state, 1);
        }
    }
}
