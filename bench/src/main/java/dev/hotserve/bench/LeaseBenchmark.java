package dev.hotserve.bench;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.PolicyHead;
import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Issue 2: what a lease costs. The model is a trivial in-memory {@link LoadedModel} (4 inputs, one
 * output: their sum), so the figures are the core's overhead and nothing else.
 *
 * <ul>
 *   <li>{@code bare}: the model's {@code run} and the policy head, no core in between;
 *   <li>{@code leasePredict}: {@code acquire()} + {@code predict} + {@code close()};
 *   <li>{@code leaseOnly}: {@code acquire()} + {@code close()} alone;
 * </ul>
 * each with the per-request freshness check off (a poller-driven model: {@code checked=false}) and on
 * ({@code checked=true}: one {@code stat} of an explicit file per acquire, as the server runs it).
 * {@code leakSampling} is the share of leases watched for leaks (1 in N; 0 = off).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx512m")
public class LeaseBenchmark {

    @Param({"false", "true"})
    public boolean checked;

    @Param({"0", "1024"})
    public int leakSampling;

    private Path dir;
    private HotModel model;
    private LoadedModel bareModel;
    private PolicyHead bareHead;
    private float[] state;

    /** Sum of the inputs: as cheap as a model can be, so only the overhead remains. */
    static final class SumModel implements LoadedModel {
        private final ModelSignature signature =
                new ModelSignature("state", 4, List.of(new ModelSignature.Output("action", 1)));

        @Override
        public ModelSignature signature() {
            return signature;
        }

        @Override
        public float[][] run(float[] input, int rows) {
            float[] out = new float[rows];
            for (int r = 0; r < rows; r++) {
                float s = 0;
                for (int c = 0; c < 4; c++) {
                    s += input[r * 4 + c];
                }
                out[r] = s;
            }
            return new float[][] {out};
        }

        @Override
        public boolean optimized() {
            return false;
        }

        @Override
        public void close() {}
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("hotserve-lease-jmh-");
        Path file = Files.writeString(dir.resolve("model_1.onnx"), "stands for a checkpoint");
        model = HotModel.builder()
                .file(file)
                .loader((f, options) -> new Engines.Loaded("sum", new SumModel()))
                .checkOnAcquire(checked)
                .leakDetectionSampling(leakSampling)
                .build();
        bareModel = new SumModel();
        bareHead = PolicyHead.forSignature(bareModel.signature(), null);
        state = new float[] {0.1f, 0.2f, 0.3f, 0.4f};
        try (Lease lease = model.acquire()) {
            if (lease.predict(state)[0] != bareHead.actions(bareModel.run(state, 1), 1, true, null)[0]) {
                throw new IllegalStateException("the leased model and the bare one disagree");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        model.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public float[] bare() {
        return bareHead.actions(bareModel.run(state, 1), 1, true, null);
    }

    @Benchmark
    public float[] leasePredict() {
        try (Lease lease = model.acquire()) {
            return lease.predict(state);
        }
    }

    @Benchmark
    public void leaseOnly(Blackhole bh) {
        try (Lease lease = model.acquire()) {
            bh.consume(lease);
        }
    }
}
