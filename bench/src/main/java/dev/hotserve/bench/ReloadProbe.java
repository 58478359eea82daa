package dev.hotserve.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reload latency, issue 5 item 5: for each of {@code --trials} trials, stage a new checkpoint as a
 * hidden {@code .tmp} file (never a candidate), rename it into {@code --dir}, then POST
 * {@code /sac/predict} back to back on one keep-alive connection until a response's
 * {@code X-Model-Generation} is higher than before the rename. The figure is the time from just
 * before the rename to the end of that first response: what a client of the server sees.
 *
 * <p>Every wait is bounded ({@code --timeout-ms} per trial); a trial that times out is counted
 * and reported, not retried. Prints one JSON object.
 */
public final class ReloadProbe {

    private ReloadProbe() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int port = Integer.parseInt(args.get("port"));
        Path dir = Path.of(args.get("dir"));
        int trials = args.getInt("trials", 20);
        int start = args.getInt("start", 1000);
        long timeoutMs = args.getLong("timeout-ms", 10_000);
        long gapMs = args.getLong("gap-ms", 300);
        String ext = args.get("ext", "onnx");
        String[] sources = args.get("sources").split(",");
        byte[] body = ("{\"state\":" + zeros(args.getInt("state-dim", 28)) + ",\"deterministic\":true}")
                .getBytes(StandardCharsets.UTF_8);

        List<Double> latenciesMs = new ArrayList<>();
        List<Integer> polls = new ArrayList<>();
        int timeouts = 0;
        int errors = 0;
        try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
            for (int t = 0; t < trials; t++) {
                // Let the previous load settle (background mode finishes it off the request path).
                Thread.sleep(gapMs);
                long before = generation(http.post("/sac/predict", body));
                int index = start + t;
                byte[] bytes = Files.readAllBytes(Path.of(sources[index % sources.length]));
                Path tmp = dir.resolve(String.format(Locale.ROOT, ".model_%06d.%s.tmp", index, ext));
                Path target = dir.resolve(String.format(Locale.ROOT, "model_%06d.%s", index, ext));
                Files.write(tmp, bytes);
                long t0 = System.nanoTime();
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                long deadline = t0 + timeoutMs * 1_000_000L;
                int n = 0;
                boolean seen = false;
                while (System.nanoTime() < deadline) {
                    MiniHttp.Response r = http.post("/sac/predict", body);
                    n++;
                    if (r.status() / 100 != 2) {
                        errors++;
                        continue;
                    }
                    if (generation(r) > before) {
                        latenciesMs.add((System.nanoTime() - t0) / 1e6);
                        polls.add(n);
                        seen = true;
                        break;
                    }
                }
                if (!seen) {
                    timeouts++;
                }
            }
        }
        double[] sorted = latenciesMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT,
                "{\"trials\":%d,\"seen\":%d,\"timeouts\":%d,\"non_2xx\":%d,\"p50_ms\":%.3f,\"max_ms\":%.3f,\"min_ms\":%.3f,"
                        + "\"mean_ms\":%.3f,\"latencies_ms\":%s,\"requests_until_seen\":%s}%n",
                trials, sorted.length, timeouts, errors, percentile(sorted, 50), sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
                sorted.length == 0 ? Double.NaN : sorted[0], Arrays.stream(sorted).average().orElse(Double.NaN),
                latenciesMs.stream().map(d -> String.format(Locale.ROOT, "%.3f", d)).toList(), polls);
    }

    private static long generation(MiniHttp.Response r) {
        String g = r.header("X-Model-Generation");
        if (g == null) {
            throw new IllegalStateException("no X-Model-Generation header in a " + r.status() + " response: " + r.bodyText());
        }
        return Long.parseLong(g.trim());
    }

    /** Nearest-rank percentile; NaN when empty. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String zeros(int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append("0.1");
        }
        return sb.append(']').toString();
    }
}
