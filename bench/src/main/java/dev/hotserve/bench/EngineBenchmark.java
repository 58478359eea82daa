package dev.hotserve.bench;

import dev.hotserve.engine.LoadedModel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per-engine latency (issue 5 items 1 and 6): one call of {@link LoadedModel#run} on the SAC
 * actor at batch 1, 64 and 1024, with the optimisation switch ({@code HOTSERVE_JIT}) off and on.
 * SampleTime mode, so the JSON result carries p50 and p99 per configuration; rows/s follow from
 * the batch size. Iteration counts and times come from bench/run (quick or full), not from here.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class EngineBenchmark {

    @Param({"onnx", "torchscript"})
    public String engine;

    @Param({"1", "64", "1024"})
    public int batch;

    @Param({"false", "true"})
    public boolean optimize;

    private LoadedModel model;
    private float[] input;

    @Setup(Level.Trial)
    public void load() throws Exception {
        model = Fixtures.engine(engine).load(Fixtures.actor(engine, 0), Fixtures.options(optimize));
        input = Fixtures.states(batch);
    }

    @TearDown(Level.Trial)
    public void close() {
        model.close();
    }

    @Benchmark
    public float[][] run() {
        return model.run(input, batch);
    }
}
