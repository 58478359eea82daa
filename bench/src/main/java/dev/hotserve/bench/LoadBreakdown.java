package dev.hotserve.bench;

import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.source.CheckpointFormat;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Where the time of one checkpoint load goes (issue 8's pickup): the steps a swap takes before a
 * new ONNX model serves, timed one by one in the order the core runs them — the format check that
 * tells a whole file from a prefix, the sha256 of the bytes, the engine's load (session creation,
 * graph optimisation when on, its warm-up run), the smoke run on a zero batch of 2 rows, and the
 * close of the model it replaces. Loads are spaced by {@code --pause-ms} as they are in the pickup
 * trials (caches go cold between them). Prints one JSON object: p50 and p90 per step, ms; with
 * {@code --each true} also every load's steps, on stderr.
 */
public final class LoadBreakdown {

    private LoadBreakdown() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Path file = Path.of(args.get("file"));
        int loads = args.getInt("loads", 40);
        int warm = args.getInt("warm", 10);
        long pauseMs = args.getLong("pause-ms", 300);
        boolean optimize = Boolean.parseBoolean(args.get("optimize", "true"));
        boolean each = Boolean.parseBoolean(args.get("each", "false"));
        Engines engines = Engines.discover();
        LoadOptions options = new LoadOptions(optimize, 1, OptionalInt.empty());
        long size = Files.size(file);
        String[] steps = {"format_check", "sha256", "engine_load", "smoke_run", "close_previous"};
        List<double[]> rows = new ArrayList<>();
        LoadedModel previous = engines.load(file, options).model();
        for (int i = 0; i < warm + loads; i++) {
            Thread.sleep(pauseMs);
            long t0 = System.nanoTime();
            for (CheckpointFormat f : CheckpointFormat.builtIn()) {
                if (!(f.check(() -> Files.newInputStream(file), size) instanceof CheckpointFormat.NotThisFormat)) {
                    break;
                }
            }
            long t1 = System.nanoTime();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            md.digest();
            long t2 = System.nanoTime();
            LoadedModel model = engines.load(file, options).model();
            long t3 = System.nanoTime();
            model.run(new float[2 * model.signature().inputWidth()], 2);
            long t4 = System.nanoTime();
            previous.close();
            long t5 = System.nanoTime();
            previous = model;
            if (each) {
                // One line per load, warm-up included: what the first loads after the first cost.
                System.err.printf(Locale.ROOT, "load %d: format %.3f sha256 %.3f engine %.3f smoke %.3f close %.3f ms%n", i + 1,
                        (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6, (t5 - t4) / 1e6);
            }
            if (i >= warm) {
                rows.add(new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6, (t5 - t4) / 1e6});
            }
        }
        previous.close();
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "{\"file\":\"%s\",\"optimize\":%s,\"loads\":%d,\"pause_ms\":%d",
                file.getFileName(), optimize, loads, pauseMs));
        double[] total = new double[rows.size()];
        for (int s = 0; s < steps.length; s++) {
            int k = s;
            double[] v = rows.stream().mapToDouble(r -> r[k]).sorted().toArray();
            for (int r = 0; r < rows.size(); r++) {
                total[r] += rows.get(r)[k];
            }
            out.append(String.format(Locale.ROOT, ",\"%s\":{\"p50_ms\":%.3f,\"p90_ms\":%.3f}", steps[s], at(v, 0.5), at(v, 0.9)));
        }
        Arrays.sort(total);
        out.append(String.format(Locale.ROOT, ",\"total\":{\"p50_ms\":%.3f,\"p90_ms\":%.3f}}", at(total, 0.5), at(total, 0.9)));
        System.out.println(out);
    }

    private static double at(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))];
    }
}
