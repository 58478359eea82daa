package dev.hotserve.bench;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.engine.LoadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 23: {@code acquire()} + predict + {@code close()} through the {@code HotModel} bean the
 * Spring Boot starter makes ({@code springBean}: the context started by the auto-configuration,
 * the bean fetched from it) against the library's own lease on a {@code HotModel} built with
 * {@code HotModelBuilder} ({@code library}), on the real ONNX engine and the SAC actor, batch 1.
 * The library's model is built with the settings the starter's {@code HotModelFactory} gives
 * (directory, watch, follow-ups on the loader, optimise after swap, one thread, no graph
 * optimisation), each from its own directory holding the same checkpoint, so the two differ only
 * in who built the model.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class SpringBeanBenchmark {

    private static final int BATCH = 1;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    public static class BenchApplication {}

    private ConfigurableApplicationContext context;
    private HotModel bean;
    private HotModel library;
    private Path springDir;
    private Path libraryDir;
    private float[] input;

    @Setup(Level.Trial)
    public void start() throws IOException {
        Path actor = Fixtures.actor("onnx", 0);
        springDir = Files.createTempDirectory("hotserve-jmh-spring-");
        libraryDir = Files.createTempDirectory("hotserve-jmh-library-");
        Files.copy(actor, springDir.resolve("model_000000.onnx"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(actor, libraryDir.resolve("model_000000.onnx"), StandardCopyOption.REPLACE_EXISTING);

        context = new SpringApplicationBuilder(BenchApplication.class).web(WebApplicationType.NONE)
                .properties("hotserve.models.sac.dir=" + springDir, "hotserve.models.sac.jit=false", "hotserve.models.sac.threads=1",
                        "spring.main.banner-mode=off")
                .run();
        bean = context.getBean("sac", HotModel.class);
        library = HotModel.builder().name("sac").directory(libraryDir).glob("model_*.{onnx,pt}")
                .loadOptions(new LoadOptions(false, 1, OptionalInt.empty())).watch(true).followUpOnLoader(true).optimizeAfterSwap(true)
                .build();
        input = Fixtures.states(BATCH);
        // Fail here, not in the measurement, when a model did not load.
        try (Lease a = bean.acquire(); Lease b = library.acquire()) {
            a.predictBatch(input, BATCH, true, null);
            b.predictBatch(input, BATCH, true, null);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        context.close(); // closes the bean
        library.close();
        for (Path dir : new Path[] {springDir, libraryDir}) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Benchmark
    public float[] springBean() {
        try (Lease lease = bean.acquire()) {
            return lease.predictBatch(input, BATCH, true, null);
        }
    }

    @Benchmark
    public float[] library() {
        try (Lease lease = library.acquire()) {
            return lease.predictBatch(input, BATCH, true, null);
        }
    }
}
