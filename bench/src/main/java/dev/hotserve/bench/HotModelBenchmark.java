package dev.hotserve.bench;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.engine.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * Issue 5 item 1, on the real ONNX engine and the SAC actor: what the hot-reload machinery adds to
 * a call. {@code bare} is {@link LoadedModel#run} on a model loaded straight from the engine;
 * {@code hotFile} and {@code hotDir} are {@code HotModel.acquire()} + {@code predictBatch} (the
 * engine call plus the SAC head) + {@code close()}, with the freshness check on every acquire as
 * served — one stat for an explicit file, two for a directory. {@code hotNoCheck} turns that
 * check off (poller-only freshness) to show what the stats cost apart from the lease.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class HotModelBenchmark {

    @Param({"1", "64"})
    public int batch;

    private LoadedModel bare;
    private HotModel hotFile;
    private HotModel hotDir;
    private HotModel hotNoCheck;
    private Path dir;
    private float[] input;

    @Setup(Level.Trial)
    public void load() throws Exception {
        Path actor = Fixtures.actor("onnx", 0);
        bare = Fixtures.engine("onnx").load(actor, Fixtures.options(false));
        // A private directory so the directory variant sees exactly one candidate.
        dir = Files.createTempDirectory("hotserve-jmh-");
        Path copy = dir.resolve("model_000000.onnx");
        Files.copy(actor, copy, StandardCopyOption.REPLACE_EXISTING);
        hotFile = HotModel.builder().file(actor).loadOptions(Fixtures.options(false)).build();
        hotDir = HotModel.builder().directory(dir).loadOptions(Fixtures.options(false)).build();
        hotNoCheck = HotModel.builder().file(actor).loadOptions(Fixtures.options(false)).checkOnAcquire(false).build();
        input = Fixtures.states(batch);
        // Fail here, not in the measurement, when a model did not load.
        try (Lease a = hotFile.acquire(); Lease b = hotDir.acquire(); Lease c = hotNoCheck.acquire()) {
            a.predictBatch(input, batch, true, null);
            b.predictBatch(input, batch, true, null);
            c.predictBatch(input, batch, true, null);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        bare.close();
        hotFile.close();
        hotDir.close();
        hotNoCheck.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public float[][] bare() {
        return bare.run(input, batch);
    }

    @Benchmark
    public float[] hotFile() {
        try (Lease lease = hotFile.acquire()) {
            return lease.predictBatch(input, batch, true, null);
        }
    }

    @Benchmark
    public float[] hotDir() {
        try (Lease lease = hotDir.acquire()) {
            return lease.predictBatch(input, batch, true, null);
        }
    }

    @Benchmark
    public float[] hotNoCheck() {
        try (Lease lease = hotNoCheck.acquire()) {
            return lease.predictBatch(input, batch, true, null);
        }
    }
}
