package dev.hotserve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Issue 22's soak: a real server process ({@code hotserve serve --config}) with three models, an
 * ONNX one with dynamic batching, a TorchScript one, and an ONNX one in a shadow rollout, takes
 * {@code --swaps} checkpoint swaps (the models in turn; renamed and written in place by turns)
 * under {@link SoakClients}. A swap counts once the model answers from the new file. Every
 * {@code --sample-every} swaps it samples the server's RSS, open file descriptors and threads from
 * {@code /proc}. Prints one JSON line per sample and a summary JSON line, writes both to
 * {@code --out}, and exits 1 when a promise is broken: a failed or wrong answer, a generation going
 * backwards, RSS growing by 32 MiB or more over the second half, or FDs or threads growing there.
 */
public final class SwapSoak {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RSS_BUDGET_KIB = 32 * 1024;
    private static final int KEEP_FILES = 4;

    private record Model(String name, String ext, Path dir) {}

    private record Sample(int swaps, double seconds, long rssKib, long fds, long threads, long requests, long failed) {
        String json() {
            return String.format(Locale.ROOT, "{\"swaps\":%d,\"seconds\":%.1f,\"rss_kib\":%d,\"fds\":%d,\"threads\":%d,\"requests\":%d,\"failed\":%d}",
                    swaps, seconds, rssKib, fds, threads, requests, failed);
        }
    }

    private SwapSoak() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int swaps = args.getInt("swaps", 10_000);
        int sampleEvery = args.getInt("sample-every", 500);
        int clientCount = args.getInt("clients", 4);
        Path fixtures = Path.of(args.get("fixtures", "fixtures/sac"));
        Path out = Files.createDirectories(Path.of(args.get("out")));
        Path work = Files.createDirectories(out.resolve("work"));
        List<Model> models = List.of(new Model("batched", "onnx", work.resolve("batched")), new Model("torch", "pt", work.resolve("torch")),
                new Model("rollout", "onnx", work.resolve("rollout")));
        // Explicit mtimes, one second per swap, all in the past: versions order by index, none is "from the future".
        Instant base = Instant.now().minusSeconds(swaps + 3_600L);
        byte[][][] bytes = new byte[models.size()][3][];
        for (int m = 0; m < models.size(); m++) {
            Files.createDirectories(models.get(m).dir());
            for (int f = 0; f < 3; f++) {
                bytes[m][f] = Files.readAllBytes(fixtures.resolve("actor_seed" + f + "." + models.get(m).ext()));
            }
        }
        byte[] ptSidecar = Files.readAllBytes(fixtures.resolve("actor_seed0.pt.json"));
        Path config = Files.writeString(work.resolve("hotserve.yaml"), """
                models:
                  - name: batched
                    dir: %s
                    max_batch_size: 8
                    max_queue_delay: 1ms
                  - name: torch
                    dir: %s
                  - name: rollout
                    dir: %s
                    rollout: {mode: shadow, shadow_samples: 4, max_drift: 1000000, guard_duration: 0}
                """.formatted(models.get(0).dir(), models.get(1).dir(), models.get(2).dir()));
        List<String> names = models.stream().map(Model::name).toList();
        int port = freePort();
        URI baseUri = URI.create("http://127.0.0.1:" + port);
        SoakClients clients = new SoakClients(baseUri, names, clientCount, 3);
        for (int m = 0; m < models.size(); m++) {
            publish(models.get(m), 0, 0, bytes[m][0], ptSidecar, base, clients, Write.RENAME);
        }
        Process server = startServer(config, work.resolve("state"), port, out.resolve("server.log"));
        // Also when this driver is stopped (Ctrl-C, a timeout): no server outlives it.
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroyForcibly));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int exit;
        try {
            awaitReady(http, baseUri, server);
            // Calibration: each model serves each fixture once, and its answers are written down.
            int index = 0;
            for (int f = 0; f < 3; f++) {
                for (int m = 0; m < models.size(); m++) {
                    if (f > 0) {
                        index++;
                        Path p = publish(models.get(m), index, f, bytes[m][f], ptSidecar, base, clients, Write.RENAME);
                        awaitServed(http, baseUri, models.get(m).name(), p);
                    }
                    clients.calibrate(models.get(m).name(), f);
                }
            }
            if (!clients.fixturesDistinguishable()) {
                throw new IllegalStateException("two fixtures answer alike: an answer could not tell them apart");
            }
            clients.start();
            List<Sample> samples = new ArrayList<>();
            long t0 = System.nanoTime();
            samples.add(sample(server, 0, t0, clients));
            System.out.println(samples.get(0).json());
            for (int s = 1; s <= swaps; s++) {
                int m = s % models.size();
                int turn = s / models.size();
                Write how = turn % 2 == 0 ? Write.RENAME : Write.IN_PLACE;
                Path p = publish(models.get(m), index + s, turn % 3, bytes[m][turn % 3], ptSidecar, base, clients, how);
                awaitServed(http, baseUri, models.get(m).name(), p);
                prune(models.get(m));
                if (s % sampleEvery == 0 || s == swaps) {
                    Sample x = sample(server, s, t0, clients);
                    samples.add(x);
                    System.out.println(x.json());
                    Files.writeString(out.resolve("samples.jsonl"), x.json() + "\n", java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                }
            }
            clients.close();
            String summary = summary(samples, swaps, clients, reloadMetrics(http, baseUri), rejectedReasons(http, baseUri));
            System.out.println(summary);
            Files.writeString(out.resolve("summary.json"), summary + "\n");
            exit = JSON.readTree(summary).path("passed").asBoolean() ? 0 : 1;
        } finally {
            // Before exiting: System.exit inside the try would skip this and leave the server running.
            server.destroy();
            if (!server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        System.exit(exit);
    }

    enum Write {
        RENAME,
        IN_PLACE
    }

    /** Writes checkpoint {@code index} of {@code m} (its sidecar first for TorchScript), registered with the clients first. */
    private static Path publish(Model m, int index, int fixture, byte[] bytes, byte[] ptSidecar, Instant base, SoakClients clients, Write how)
            throws IOException, InterruptedException {
        String name = String.format("model_%06d.%s", index, m.ext());
        Path file = m.dir().resolve(name);
        clients.publishing(file.toString(), fixture);
        if (m.ext().equals("pt")) {
            Files.write(m.dir().resolve(name + ".json"), ptSidecar);
        }
        FileTime mtime = FileTime.from(base.plusSeconds(index));
        if (how == Write.RENAME) {
            Path tmp = m.dir().resolve("." + name + ".tmp");
            Files.write(tmp, bytes);
            Files.setLastModifiedTime(tmp, mtime);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } else {
            try (OutputStream o = Files.newOutputStream(file)) {
                for (int at = 0; at < bytes.length; at += 64 * 1024) {
                    o.write(bytes, at, Math.min(64 * 1024, bytes.length - at));
                    o.flush();
                    Thread.sleep(3); // a trainer's pace between chunks, well inside the settle window
                }
            }
            Files.setLastModifiedTime(file, mtime);
        }
        return file;
    }

    /** Until the model answers from {@code file}: a prediction, so that the rollout's shadow comparisons happen too. */
    private static void awaitServed(HttpClient http, URI base, String model, Path file) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/" + model + "/predict")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(SoakClients.body(0))).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && file.toString().equals(JSON.readTree(r.body()).path("model_path").asText())) {
                return;
            }
            Thread.sleep(2); // polling the server: what it serves is the condition
        }
        throw new IllegalStateException(model + " did not serve " + file + " within 2 minutes");
    }

    /** Keeps the newest few checkpoints of a model (none of the older ones serves any more). */
    private static void prune(Model m) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(m.dir())) {
            files = s.filter(p -> p.getFileName().toString().matches("model_\\d{6}\\." + m.ext())).sorted().toList();
        }
        for (int i = 0; i < files.size() - KEEP_FILES; i++) {
            Files.deleteIfExists(files.get(i));
            Files.deleteIfExists(files.get(i).resolveSibling(files.get(i).getFileName() + ".json"));
        }
    }

    private static Process startServer(Path config, Path stateDir, int port, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "dev.hotserve.server.Main", "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("HOTSERVE_PORT", Integer.toString(port));
        pb.environment().put("HOTSERVE_GRPC_PORT", "off");
        // The config file's top level refuses state_dir (although the rollout reads it): the variable works.
        pb.environment().put("HOTSERVE_STATE_DIR", stateDir.toString());
        pb.environment().put("DJL_OFFLINE", "true");
        return pb.start();
    }

    private static void awaitReady(HttpClient http, URI base, Process server) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the server exited with " + server.exitValue() + " (see server.log)");
            }
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/v2/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the server did not become ready within 3 minutes");
    }

    private static Sample sample(Process p, int swaps, long t0, SoakClients clients) throws IOException {
        long rss = -1;
        long threads = -1;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("Threads:")) {
                threads = Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        // The least of a few reads 20 ms apart: a descriptor or thread that lives for one load or
        // one connection is not a leak; one that leaked is there in every read.
        long fds = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(p.pid()), "fd"))) {
                fds = Math.min(fds, s.count());
            }
            threads = Math.min(threads, threadsOf(p));
            sleep(20);
        }
        return new Sample(swaps, (System.nanoTime() - t0) / 1e9, rss, fds, threads, clients.requests(), clients.failed());
    }

    private static long threadsOf(Process p) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
            if (line.startsWith("Threads:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return Long.MAX_VALUE;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms); // spacing the reads of one sample
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Why the rollout's candidates that did not go live ended so, counted (from the events the server still keeps). */
    private static java.util.Map<String, Integer> rejectedReasons(HttpClient http, URI base) throws IOException, InterruptedException {
        JsonNode events = JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve("/rollout/model/events")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        for (JsonNode e : events) {
            if (e.path("kind").asText().equals("rejected")) {
                String why = e.path("reason").asText().replaceAll("model_\\d+", "model_N").replaceAll("\\(.*", "").strip();
                counts.merge(why, 1, Integer::sum);
            }
        }
        counts.put("(events kept)", events.size());
        return counts;
    }

    /** The verdict over the samples: RSS growth over the second half, and no new high of FDs or threads there. */
    /** The server's own count of reloads and failed loads per model, from /metrics. */
    private static List<String> reloadMetrics(HttpClient http, URI base) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(l -> l.startsWith("hotserve_reloads_total") || l.startsWith("hotserve_load_failures_total")
                || l.startsWith("hotserve_model_generation")).toList();
    }

    private static String summary(List<Sample> samples, int swaps, SoakClients clients, List<String> metrics,
            java.util.Map<String, Integer> rejected) throws IOException {
        int mid = samples.size() / 2;
        Sample half = samples.get(mid);
        Sample last = samples.get(samples.size() - 1);
        long rssGrowth = last.rssKib() - half.rssKib();
        long fdMaxFirst = samples.subList(1, mid + 1).stream().mapToLong(Sample::fds).max().orElse(half.fds());
        long fdMaxSecond = samples.subList(mid, samples.size()).stream().mapToLong(Sample::fds).max().orElse(0);
        long thMaxFirst = samples.subList(1, mid + 1).stream().mapToLong(Sample::threads).max().orElse(half.threads());
        long thMaxSecond = samples.subList(mid, samples.size()).stream().mapToLong(Sample::threads).max().orElse(0);
        boolean passed = clients.failed() == 0 && rssGrowth < RSS_BUDGET_KIB && fdMaxSecond <= fdMaxFirst && thMaxSecond <= thMaxFirst;
        var o = JSON.createObjectNode();
        o.put("passed", passed).put("swaps", swaps).put("seconds", last.seconds()).put("swaps_per_s", swaps / last.seconds())
                .put("requests", clients.requests()).put("failed", clients.failed())
                .put("rss_kib_at_half", half.rssKib()).put("rss_kib_at_end", last.rssKib()).put("rss_growth_kib_second_half", rssGrowth)
                .put("fds_max_first_half", fdMaxFirst).put("fds_max_second_half", fdMaxSecond)
                .put("threads_max_first_half", thMaxFirst).put("threads_max_second_half", thMaxSecond);
        var rj = o.putObject("rollout_rejected_reasons");
        rejected.forEach(rj::put);
        var mx = o.putArray("metrics");
        metrics.forEach(mx::add);
        var f = o.putArray("failures");
        clients.failures().forEach(f::add);
        return JSON.writeValueAsString(o);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
