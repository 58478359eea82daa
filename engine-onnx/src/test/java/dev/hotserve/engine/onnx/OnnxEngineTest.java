package dev.hotserve.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.engine.Engine;
import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.ModelSignature.Output;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxEngineTest {

    private final OnnxEngine engine = new OnnxEngine();

    @Test
    void isFoundByServiceLoader() {
        assertThat(Engines.discover().all()).extracting(Engine::name).contains("onnx");
        assertThat(Engines.discover().all()).anyMatch(e -> e instanceof OnnxEngine);
    }

    @Test
    void signatureIsReadFromTheModel() throws Exception {
        try (LoadedModel model = engine.load(Fixtures.file("actor_seed0.onnx"), LoadOptions.defaults())) {
            assertThat(model.signature()).isEqualTo(
                    new ModelSignature("state", 28, java.util.List.of(new Output("mean", 1), new Output("log_std", 1))));
        }
        try (LoadedModel model = engine.load(Fixtures.file("actor_packed.onnx"), LoadOptions.defaults())) {
            assertThat(model.signature()).isEqualTo(
                    new ModelSignature("state", 28, java.util.List.of(new Output("mean_log_std", 4))));
        }
    }

    @Test
    void matchingStateDimIsAccepted() throws Exception {
        try (LoadedModel model = engine.load(Fixtures.file("actor_seed1.onnx"), LoadOptions.defaults().withStateDim(28))) {
            assertThat(model.signature().inputWidth()).isEqualTo(28);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"actor_seed0.onnx", "actor_packed.onnx", "actor_nan.onnx", "actor_width27.onnx",
            "actor_fixed_batch4.onnx"})
    void recognizesOnnxFixtures(String name) throws IOException {
        assertThat(engine.recognizes(head(Fixtures.file(name)))).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"actor_seed0.pt", "actor_packed.pt", "actor_seed0.reference.json", "actor_seed0.pt.json"})
    void doesNotRecognizeOtherFiles(String name) throws IOException {
        assertThat(engine.recognizes(head(Fixtures.file(name)))).isFalse();
    }

    @Test
    void doesNotRecognizeEmptyOrTextHeads() {
        assertThat(engine.recognizes(new byte[0])).isFalse();
        assertThat(engine.recognizes(new byte[] {0x08})).isFalse();
        assertThat(engine.recognizes("hello, world".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(engine.recognizes(new byte[] {'P', 'K', 3, 4, 0x08, 0x08})).isFalse();
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {1, 2, 3, 7, 63, 64, 65, 1000, 1024, 40_000})
    void anyBatchSizeAgreesWithRowByRow(int rows) throws Exception {
        // 40,000 rows needs a scratch above the pool's size cap: the unpooled path works too.
        float[] input = normal(rows * 28, rows);
        try (LoadedModel model = engine.load(Fixtures.file("actor_seed2.onnx"), LoadOptions.defaults())) {
            float[][] batch = model.run(input, rows);
            assertThat(batch[0]).hasSize(rows);
            assertThat(batch[1]).hasSize(rows);
            int step = Math.max(1, rows / 97);
            for (int r = 0; r < rows; r += step) {
                float[] row = java.util.Arrays.copyOfRange(input, r * 28, (r + 1) * 28);
                float[][] one = model.run(row, 1);
                assertThat(Math.abs(one[0][0] - batch[0][r])).as("mean of row %d", r).isLessThanOrEqualTo(1e-5f);
                assertThat(Math.abs(one[1][0] - batch[1][r])).as("log_std of row %d", r).isLessThanOrEqualTo(1e-5f);
            }
        }
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {1, 3, 4, 5, 9, 64})
    void fixedBatchModelServesAnyBatchSize(int rows) throws Exception {
        // Exported without a dynamic batch axis (input [4, 28]): run in chunks of 4, last one padded.
        Fixtures.Batch ref = Fixtures.reference("actor_fixed_batch4").batch64();
        float[] input = java.util.Arrays.copyOf(ref.inputs(), rows * 28);
        try (LoadedModel model = engine.load(Fixtures.file("actor_fixed_batch4.onnx"), LoadOptions.defaults())) {
            float[][] out = model.run(input, rows);
            assertThat(Fixtures.maxAbsDiff(out[0], java.util.Arrays.copyOf(ref.mean(), rows))).isLessThanOrEqualTo(1e-5);
            assertThat(Fixtures.maxAbsDiff(out[1], java.util.Arrays.copyOf(ref.logStd(), rows))).isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void sameInputGivesIdenticalOutputOnRepeatedCalls() throws Exception {
        float[] input = normal(64 * 28, 5);
        try (LoadedModel model = engine.load(Fixtures.file("actor_seed0.onnx"), LoadOptions.defaults())) {
            float[][] first = model.run(input, 64);
            for (int i = 0; i < 50; i++) {
                model.run(normal(((i % 7) + 1) * 28, i), (i % 7) + 1); // other batch sizes reuse the scratch
                float[][] again = model.run(input, 64);
                assertThat(again[0]).containsExactly(first[0]);
                assertThat(again[1]).containsExactly(first[1]);
            }
        }
    }

    @Test
    void inputOfTheWrongLengthIsRefusedWithTheCounts() throws Exception {
        try (LoadedModel model = engine.load(Fixtures.file("actor_seed0.onnx"), LoadOptions.defaults())) {
            assertThatThrownBy(() -> model.run(new float[27], 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("28 values per row")
                    .hasMessageContaining("got 27");
            assertThatThrownBy(() -> model.run(new float[0], 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rows must be at least 1");
        }
    }

    @Test
    void threadsOptionSizesTheSessionsIntraOpPoolAndOptimizeIsKept() throws Exception {
        // ONNX Runtime runs a session's work on the calling thread plus threads - 1 pool threads,
        // created with the session and ended with it. New native threads inherit their creator's
        // name (Linux copies comm on clone), so loading on a thread of our own naming lets
        // /proc/self/task count exactly the pool this session made, whatever else the JVM starts.
        Path actor = Fixtures.file("actor_seed0.onnx");
        Fixtures.Batch batch = Fixtures.reference("actor_seed0").batch64();
        for (int threads : new int[] {1, 3}) {
            int[] poolThreads = new int[2]; // while loaded, after close
            float[][] out = new float[1][];
            boolean[] optimized = new boolean[1];
            onNamedThread(() -> {
                try (LoadedModel model = engine.load(actor, new LoadOptions(true, threads, java.util.OptionalInt.of(28)))) {
                    out[0] = model.run(batch.inputs(), 64)[0];
                    optimized[0] = model.optimized();
                    poolThreads[0] = tasksNamed(PROBE_THREAD) - 1;
                }
                poolThreads[1] = tasksNamed(PROBE_THREAD) - 1;
            });
            assertThat(poolThreads[0]).as("intra-op pool threads of a session with threads=%d", threads).isEqualTo(threads - 1);
            assertThat(poolThreads[1]).as("pool threads left after close (threads=%d)", threads).isZero();
            assertThat(optimized[0]).isTrue();
            assertThat(Fixtures.maxAbsDiff(out[0], batch.mean())).isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void optimizeLaterLoadsWithoutTheGraphOptimiserAndSaysSo() throws Exception {
        // The core loads a newer checkpoint this way on a pickup, then again optimised (HotModelBuilder.optimizeAfterSwap).
        Fixtures.Batch batch = Fixtures.reference("actor_seed1").batch64();
        LoadOptions later = new LoadOptions(true, 1, java.util.OptionalInt.empty()).withOptimizeLater(true);
        try (LoadedModel unoptimised = engine.load(Fixtures.file("actor_seed1.onnx"), later);
                LoadedModel optimised = engine.load(Fixtures.file("actor_seed1.onnx"), later.withOptimizeLater(false))) {
            assertThat(unoptimised.optimized()).isFalse();
            assertThat(optimised.optimized()).isTrue();
            float[] a = unoptimised.run(batch.inputs(), 64)[0];
            float[] b = optimised.run(batch.inputs(), 64)[0];
            assertThat(Fixtures.maxAbsDiff(a, batch.mean())).isLessThanOrEqualTo(1e-5);
            assertThat(Fixtures.maxAbsDiff(a, b)).as("the same answers before and after the optimised load").isLessThanOrEqualTo(1e-5);
        }
        try (LoadedModel off = engine.load(Fixtures.file("actor_seed1.onnx"), LoadOptions.defaults().withOptimizeLater(true))) {
            assertThat(off.optimized()).as("nothing to do later when the optimisation is off").isFalse();
        }
    }

    /** At most 15 characters: the kernel's thread-name limit, so /proc shows it whole. */
    private static final String PROBE_THREAD = "ort-pool-probe";

    private interface Body {
        void run() throws Exception;
    }

    private static void onNamedThread(Body body) throws Exception {
        Exception[] failure = new Exception[1];
        Thread t = Thread.ofPlatform().name(PROBE_THREAD).start(() -> {
            try {
                body.run();
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        assertThat(t.join(java.time.Duration.ofMinutes(2))).as("the probe thread ended").isTrue();
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    /** Threads of this process whose kernel name is {@code name}. */
    private static int tasksNamed(String name) throws IOException {
        int n = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals(name)) {
                        n++;
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // A thread that ended while we listed: not ours, ours are alive.
                }
            }
        }
        return n;
    }

    @Test
    void onnxRuntimeMessagesLoseTheirBoilerplate() {
        var e = new ai.onnxruntime.OrtException("Error code - ORT_INVALID_PROTOBUF - message: "
                + "Load model from /tmp/m.onnx failed:Protobuf parsing failed.");
        assertThat(OnnxEngine.ortMessage(e)).isEqualTo("Protobuf parsing failed (ORT_INVALID_PROTOBUF)");
        assertThat(OnnxEngine.ortMessage(new ai.onnxruntime.OrtException("plain words"))).isEqualTo("plain words");
    }

    static float[] normal(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    private static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(Engines.HEAD_BYTES);
        }
    }
}
