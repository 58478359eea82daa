package dev.hotserve.bench;

import dev.hotserve.engine.Engine;
import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 3 item 8: does an engine leak native memory across reloads or calls?
 *
 * <p>Runs {@code cycles} load → predict → close cycles, then {@code predictions} batch-1 calls on
 * one model, printing the process RSS ({@code VmRSS} of {@code /proc/self/status}) every 1,000
 * cycles and every 100,000 predictions, and ends with one JSON line summarising the curve. RSS that
 * levels off after warm-up means no leak; a steady climb means one. Not a unit test: it takes
 * minutes and measures the whole process.
 *
 * <pre>
 *   EngineSoak onnx fixtures/sac/actor_seed0.onnx [cycles=10000] [predictions=1000000]
 *   EngineSoak --engine onnx [--model FILE] [--cycles N] [--predictions M] [--optimize true]
 * </pre>
 *
 * The model defaults to {@code actor_seed0} of the fixtures ({@code -Dhotserve.fixtures}, else
 * {@code fixtures/sac}) in the engine's format; {@code state_dim} comes from the model's
 * {@code <file>.json} sidecar when there is one (TorchScript needs it).
 */
public final class EngineSoak {

    private static final int CYCLE_REPORT = 1_000;
    private static final int PREDICTION_REPORT = 100_000;
    private static final Pattern STATE_DIM = Pattern.compile("\"state_dim\"\\s*:\\s*(\\d+)");

    private EngineSoak() {}

    record Settings(String engine, Path model, int cycles, long predictions, boolean optimize) {}

    public static void main(String[] args) throws Exception {
        Settings s = parse(args);
        Engine engine = find(s.engine());
        LoadOptions options = options(s.model(), s.optimize());
        System.out.printf(Locale.ROOT, "EngineSoak engine %s model %s cycles %d predictions %d optimize %s%n",
                engine.name(), s.model(), s.cycles(), s.predictions(), s.optimize());
        System.out.printf(Locale.ROOT, "start %s%n", memory());

        List<Double> cycleRss = new ArrayList<>();
        long started = System.nanoTime();
        for (int c = 1; c <= s.cycles(); c++) {
            try (LoadedModel model = engine.load(s.model(), options)) {
                int width = model.signature().inputWidth();
                // Two batch sizes, so per-call buffers of both sizes are exercised every cycle.
                check(model.run(states(width, 1, c), 1), s.model());
                check(model.run(states(width, 64, c), 64), s.model());
            }
            if (c % CYCLE_REPORT == 0) {
                cycleRss.add(rssMib());
                System.out.printf(Locale.ROOT, "cycle %d %s%n", c, memory());
            }
        }
        double cycleMs = (System.nanoTime() - started) / 1e6 / Math.max(1, s.cycles());

        List<Double> predictionRss = new ArrayList<>();
        double predictionUs = 0;
        try (LoadedModel model = engine.load(s.model(), options)) {
            int width = model.signature().inputWidth();
            float[][] inputs = new float[16][];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = states(width, 1, i);
            }
            started = System.nanoTime();
            for (long p = 1; p <= s.predictions(); p++) {
                float[][] out = model.run(inputs[(int) (p & 15)], 1);
                if (p % PREDICTION_REPORT == 0) {
                    check(out, s.model());
                    predictionRss.add(rssMib());
                    System.out.printf(Locale.ROOT, "prediction %d %s%n", p, memory());
                }
            }
            predictionUs = (System.nanoTime() - started) / 1e3 / Math.max(1, s.predictions());
        }
        System.out.printf(Locale.ROOT, "end %s%n", memory());
        System.out.println(summary(s, engine.name(), cycleRss, predictionRss, cycleMs, predictionUs));
    }

    private static String summary(Settings s, String engine, List<Double> cycles, List<Double> predictions,
            double cycleMs, double predictionUs) {
        StringBuilder json = new StringBuilder("{");
        json.append("\"engine\":\"").append(engine).append('"');
        json.append(",\"cycles\":").append(s.cycles());
        json.append(",\"predictions\":").append(s.predictions());
        field(json, "cycle_ms_mean", cycleMs);
        field(json, "prediction_us_mean", predictionUs);
        curve(json, "cycles", cycles);
        curve(json, "predictions", predictions);
        return json.append('}').toString();
    }

    /** First, middle and last samples, and the growth over the second half (where warm-up is over). */
    private static void curve(StringBuilder json, String name, List<Double> rss) {
        if (rss.isEmpty()) {
            return;
        }
        int n = rss.size();
        field(json, name + "_rss_mib_first", rss.get(0));
        field(json, name + "_rss_mib_mid", rss.get(n / 2));
        field(json, name + "_rss_mib_last", rss.get(n - 1));
        field(json, name + "_rss_mib_max", rss.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        field(json, name + "_rss_mib_growth_2nd_half", rss.get(n - 1) - rss.get(n / 2));
    }

    private static void field(StringBuilder json, String name, double value) {
        json.append(",\"").append(name).append("\":").append(String.format(Locale.ROOT, "%.1f", value));
    }

    /** A model whose output is not finite would make the soak measure nothing useful: stop at once. */
    private static void check(float[][] out, Path model) {
        for (float[] o : out) {
            for (float v : o) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException(model + " gave a non-finite output: " + v);
                }
            }
        }
    }

    private static float[] states(int width, int rows, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[width * rows];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-2, 2);
        }
        return x;
    }

    private static String memory() {
        Runtime rt = Runtime.getRuntime();
        double heap = (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
        // Committed heap is part of RSS and grows on its own up to -Xmx: print it, so heap growth
        // is not mistaken for a native leak.
        double committed = rt.totalMemory() / 1048576.0;
        double direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed() / 1048576.0;
            }
        }
        return String.format(Locale.ROOT, "rss_mib %.1f heap_committed_mib %.1f heap_used_mib %.1f direct_mib %.2f",
                rssMib(), committed, heap, direct);
    }

    static double rssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status (EngineSoak needs Linux): " + e, e);
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }

    private static Engine find(String name) {
        List<Engine> all = Engines.discover().all();
        return all.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no engine named '" + name + "' on the class path; found "
                        + all.stream().map(Engine::name).toList()));
    }

    private static LoadOptions options(Path model, boolean optimize) throws IOException, ModelLoadException {
        if (!Files.isRegularFile(model)) {
            throw new ModelLoadException("model " + model.toAbsolutePath() + " not found");
        }
        OptionalInt stateDim = OptionalInt.empty();
        Path sidecar = model.resolveSibling(model.getFileName() + ".json");
        if (Files.isRegularFile(sidecar)) {
            Matcher m = STATE_DIM.matcher(Files.readString(sidecar));
            if (m.find()) {
                stateDim = OptionalInt.of(Integer.parseInt(m.group(1)));
            }
        }
        return new LoadOptions(optimize, 1, stateDim);
    }

    /** Positional {@code engine [model] [cycles] [predictions]}, or {@code --name value} pairs. */
    static Settings parse(String[] args) {
        String engine = null;
        String model = null;
        String cycles = "10000";
        String predictions = "1000000";
        String optimize = "false";
        if (args.length > 0 && args[0].startsWith("--")) {
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
                }
                String v = args[i + 1];
                switch (args[i]) {
                    case "--engine" -> engine = v;
                    case "--model" -> model = v;
                    case "--cycles" -> cycles = v;
                    case "--predictions" -> predictions = v;
                    case "--optimize" -> optimize = v;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + " (known: --engine --model --cycles --predictions --optimize)");
                }
            }
        } else {
            String[] positional = {null, null, cycles, predictions};
            System.arraycopy(args, 0, positional, 0, Math.min(args.length, positional.length));
            engine = positional[0];
            model = positional[1];
            cycles = positional[2];
            predictions = positional[3];
        }
        if (engine == null) {
            throw new IllegalArgumentException(
                    "usage: EngineSoak <onnx|torchscript> [model] [cycles] [predictions], or --engine NAME ...");
        }
        Path file = model != null ? Path.of(model) : defaultModel(engine);
        return new Settings(engine, file, Integer.parseInt(cycles), Long.parseLong(predictions),
                Boolean.parseBoolean(optimize));
    }

    private static Path defaultModel(String engine) {
        Path dir = Path.of(System.getProperty("hotserve.fixtures", "fixtures/sac"));
        return dir.resolve("actor_seed0" + (engine.equals("onnx") ? ".onnx" : ".pt"));
    }
}
