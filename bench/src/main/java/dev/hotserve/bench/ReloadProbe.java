package dev.hotserve.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pickup latency (issue 5 item 5, issue 8): how long after a checkpoint is renamed into a watched
 * directory the first answer comes that names it. For each trial: stage the new checkpoint as a
 * hidden {@code .tmp} file (never a candidate), rename it into the directory, then POST
 * {@code /sac/predict} back to back on one keep-alive connection until a response's
 * {@code model_path} is the new file. The figure is the time from just before the rename to the end
 * of that response: what a client sees.
 *
 * <p>Several servers are measured in one run, trial by trial in turn (the order rotating each
 * trial), so drifting load from other work on the machine hits them alike. Each is given as
 * {@code --targets "name|port|dir|ext|source1,source2;name2|..."}; {@code ext} names the new files
 * ({@code model_<index>.<ext>}) and the sources are copied in turn. The answer naming the file is
 * read from the body's {@code model_path}, which both hotserve and the seed's Python server send,
 * so every server is measured the same way.
 *
 * <p>Before the first trial, each server answers requests for {@code --warm-seconds} (a server in
 * production has served for a while before a checkpoint arrives: hotserve's request path is then
 * compiled by the JIT; the seed's Python has no JIT, so it is not affected). Before each trial: a
 * pause ({@code --gap-ms}, lets a previous background load finish) and {@code --warm} requests on
 * the connection (as the seed's own probe does). Every wait is bounded
 * ({@code --timeout-ms} per trial); a trial that times out is counted, not retried. Prints one JSON
 * object: per target, the latencies and their p50/max.
 */
public final class ReloadProbe {

    private static final Pattern MODEL_PATH = Pattern.compile("\"model_path\"\\s*:\\s*\"([^\"]*)\"");

    private ReloadProbe() {}

    /** One server under test and what it is fed. */
    private record Target(String name, int port, Path dir, String ext, List<byte[]> sources, MiniHttp http,
            List<Double> latenciesMs, List<Integer> polls, List<String> files, List<String> renamedAt, int[] counters) {
        static final int TIMEOUTS = 0;
        static final int NON_2XX = 1;
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int trials = args.getInt("trials", 20);
        int start = args.getInt("start", 1000);
        long timeoutMs = args.getLong("timeout-ms", 10_000);
        long gapMs = args.getLong("gap-ms", 300);
        int warm = args.getInt("warm", 20);
        long warmSeconds = args.getLong("warm-seconds", 3);
        byte[] body = ("{\"state\":" + zeros(args.getInt("state-dim", 28)) + ",\"deterministic\":true}")
                .getBytes(StandardCharsets.UTF_8);

        List<Target> targets = new ArrayList<>();
        for (String spec : args.get("targets").split(";")) {
            String[] f = spec.trim().split("\\|");
            if (f.length != 5) {
                throw new IllegalArgumentException("a target is name|port|dir|ext|sources, got '" + spec + "'");
            }
            List<byte[]> sources = new ArrayList<>();
            for (String s : f[4].split(",")) {
                sources.add(Files.readAllBytes(Path.of(s)));
            }
            int port = Integer.parseInt(f[1]);
            targets.add(new Target(f[0], port, Path.of(f[2]).toAbsolutePath(), f[3], sources, new MiniHttp("127.0.0.1", port),
                    new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new int[2]));
        }
        try {
            for (Target target : targets) {
                long until = System.nanoTime() + warmSeconds * 1_000_000_000L;
                while (System.nanoTime() < until) {
                    target.http().post("/sac/predict", body);
                }
            }
            for (int t = 0; t < trials; t++) {
                for (int k = 0; k < targets.size(); k++) {
                    trial(targets.get((t + k) % targets.size()), start + t, body, gapMs, warm, timeoutMs);
                }
            }
        } finally {
            for (Target target : targets) {
                target.http().close();
            }
        }
        StringBuilder out = new StringBuilder("{\"trials\":").append(trials).append(",\"order\":\"interleaved, rotating\",\"targets\":{");
        for (int i = 0; i < targets.size(); i++) {
            Target tg = targets.get(i);
            double[] sorted = tg.latenciesMs().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.append(i == 0 ? "" : ",").append('"').append(tg.name()).append("\":").append(String.format(Locale.ROOT,
                    "{\"trials\":%d,\"seen\":%d,\"timeouts\":%d,\"non_2xx\":%d,\"p50_ms\":%.3f,\"max_ms\":%.3f,\"min_ms\":%.3f,"
                            + "\"mean_ms\":%.3f,\"latencies_ms\":%s,\"requests_until_seen\":%s,\"files\":%s,\"renamed_at\":%s}",
                    trials, sorted.length, tg.counters()[Target.TIMEOUTS], tg.counters()[Target.NON_2XX], percentile(sorted, 50),
                    sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1], sorted.length == 0 ? Double.NaN : sorted[0],
                    Arrays.stream(sorted).average().orElse(Double.NaN),
                    tg.latenciesMs().stream().map(d -> String.format(Locale.ROOT, "%.3f", d)).toList(), tg.polls(),
                    tg.files().stream().map(s -> '"' + s + '"').toList(), tg.renamedAt().stream().map(s -> '"' + s + '"').toList()));
        }
        System.out.println(out.append("}}"));
    }

    private static void trial(Target tg, int index, byte[] body, long gapMs, int warm, long timeoutMs) throws Exception {
        // Let the previous load settle (background mode finishes it off the request path), then
        // make sure the connection and both ends' code paths are warm.
        Thread.sleep(gapMs);
        for (int i = 0; i < warm; i++) {
            tg.http().post("/sac/predict", body);
        }
        byte[] bytes = tg.sources().get(index % tg.sources().size());
        String name = String.format(Locale.ROOT, "model_%06d.%s", index, tg.ext());
        Path tmp = tg.dir().resolve("." + name + ".tmp");
        Path target = tg.dir().resolve(name);
        Files.write(tmp, bytes);
        // The wall-clock instant too: set beside the server's reload log (same clock), it splits the
        // latency into before the load, the load, and after it.
        java.time.Instant renamedAt = java.time.Instant.now();
        long t0 = System.nanoTime();
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        long deadline = t0 + timeoutMs * 1_000_000L;
        int n = 0;
        while (System.nanoTime() < deadline) {
            MiniHttp.Response r = tg.http().post("/sac/predict", body);
            n++;
            if (r.status() / 100 != 2) {
                tg.counters()[Target.NON_2XX]++;
                continue;
            }
            if (names(r, name)) {
                tg.latenciesMs().add((System.nanoTime() - t0) / 1e6);
                tg.polls().add(n);
                tg.files().add(name);
                tg.renamedAt().add(renamedAt.toString());
                return;
            }
        }
        tg.counters()[Target.TIMEOUTS]++;
    }

    /** Whether the answer's {@code model_path} is the file {@code name}. */
    private static boolean names(MiniHttp.Response r, String name) {
        Matcher m = MODEL_PATH.matcher(r.bodyText());
        if (!m.find()) {
            throw new IllegalStateException("no model_path in a " + r.status() + " response: " + r.bodyText());
        }
        String path = m.group(1);
        return path.endsWith("/" + name) || path.equals(name);
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
