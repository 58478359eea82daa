package dev.hotserve.bench;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.server.HotserveServer;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.Setting;
import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.StagedCheckpoint;
import dev.hotserve.source.s3.S3CheckpointSource;
import dev.hotserve.source.s3.S3Location;
import dev.hotserve.source.s3.S3SourceSettings;
import dev.hotserve.source.s3.S3Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * Issue 11's figures, against S3Proxy on loopback (bench/s3 runs the three modes):
 * <ul>
 *   <li>{@code --mode converge}: three servers in this JVM follow one pointer; the pointer is
 *       flipped {@code --flips} times and, for each flip, the time from the pointer's PUT
 *       returning to the last replica serving the new version is taken (read from the servers'
 *       models directly, every 0.5 ms, so no HTTP polling skews it). Also the replicas' stage +
 *       load durations of the same loads. One JSON object.
 *   <li>{@code --mode download}: a {@code --mb} MB object staged (downloaded, hashed, verified,
 *       renamed) {@code --trials} times into a fresh cache; MB/s. One JSON object.
 *   <li>{@code --mode serve}: one server on {@code --port} following either S3 ({@code --source s3})
 *       or a local directory ({@code --source dir}) with the same checkpoint, until killed; prints
 *       {@code READY} when it answers. For wrk.
 * </ul>
 */
public final class S3Bench {

    private static final String PREFIX = "sac/";

    private S3Bench() {}

    public static void main(String[] argv) throws Exception {
        // The standard chain's system properties: the store accepts these, the servers' sources find them.
        System.setProperty("aws.accessKeyId", "hotserve-bench");
        System.setProperty("aws.secretAccessKey", "hotserve-bench-secret");
        System.setProperty("aws.region", "us-east-1");
        Args args = new Args(argv);
        Path fixtures = Path.of(args.get("fixtures"));
        Path work = Files.createTempDirectory("hotserve-s3bench");
        try {
            switch (args.get("mode")) {
                case "converge" -> converge(args, fixtures, work);
                case "download" -> download(args, work);
                case "serve" -> serve(args, fixtures, work);
                case "acquire" -> acquire(args, fixtures, work);
                default -> throw new IllegalArgumentException("--mode converge|download|serve, was " + args.get("mode"));
            }
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1); // S3Proxy's and the servers' threads must not keep a failed run alive
        }
        System.exit(0);
    }

    private static void converge(Args args, Path fixtures, Path work) throws Exception {
        int flips = args.getInt("flips", 20);
        String poll = args.get("poll", "2s");
        byte[][] bytes = {Files.readAllBytes(fixtures.resolve("actor_seed0.onnx")), Files.readAllBytes(fixtures.resolve("actor_seed1.onnx")),
                Files.readAllBytes(fixtures.resolve("actor_seed2.onnx"))};
        try (S3Store store = S3Store.start()) {
            for (int i = 0; i <= flips; i++) {
                store.put(PREFIX + key(i), bytes[i % bytes.length]);
            }
            store.pointTo(PREFIX, key(0), Optional.empty());
            List<HotserveServer> fleet = new ArrayList<>();
            try {
                for (int r = 0; r < 3; r++) {
                    fleet.add(HotserveServer.start(ConfigLoader.load(Map.<Setting, String>of(), Map.of(
                            "HOTSERVE_PORT", "0",
                            "HOTSERVE_GRPC_PORT", "off", // three replicas in one JVM: the default 8081 would be taken twice
                            "HOTSERVE_SOURCE", "s3://" + S3Store.BUCKET + "/" + PREFIX,
                            "HOTSERVE_S3_ENDPOINT", store.endpoint().toString(),
                            "HOTSERVE_CACHE_DIR", work.resolve("replica-" + r).toString(),
                            "HOTSERVE_POLL_INTERVAL", poll), work)));
                }
                List<Double> convergeMs = new ArrayList<>();
                List<Double> loadMs = new ArrayList<>();
                SplittableRandom phase = new SplittableRandom(7);
                long pollMs = ConfigLoader.load(Map.<Setting, String>of(), Map.of("HOTSERVE_SOURCE", "s3://b/p/", "HOTSERVE_POLL_INTERVAL", poll), work)
                        .models().get(0).pollInterval().toMillis();
                for (int i = 1; i <= flips; i++) {
                    String version = key(i).substring(0, key(i).lastIndexOf('.'));
                    // Flip at a random point of the replicas' poll cycles: right after the last
                    // convergence would always be just after a poll, and always wait a whole interval.
                    Thread.sleep(phase.nextLong(pollMs));
                    store.pointTo(PREFIX, key(i), Optional.empty());
                    long t0 = System.nanoTime();
                    long deadline = t0 + Duration.ofMinutes(2).toNanos();
                    boolean[] done = new boolean[fleet.size()];
                    int remaining = fleet.size();
                    while (remaining > 0) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("flip " + i + ": the fleet did not converge on " + version + " within 2 minutes");
                        }
                        for (int r = 0; r < fleet.size(); r++) {
                            if (!done[r]) {
                                Optional<ModelVersion> v = fleet.get(r).models().get("sac").current();
                                if (v.isPresent() && v.get().name().equals(version)) {
                                    done[r] = true;
                                    remaining--;
                                    loadMs.add(v.get().loadDuration().toNanos() / 1e6);
                                }
                            }
                        }
                        Thread.sleep(0, 500_000);
                    }
                    convergeMs.add((System.nanoTime() - t0) / 1e6);
                }
                System.out.println(String.format(Locale.ROOT,
                        "{\"mode\":\"converge\",\"poll\":\"%s\",\"flips\":%d,\"replicas\":3,\"converge_ms\":%s,\"converge_p50_ms\":%.1f,"
                                + "\"converge_max_ms\":%.1f,\"stage_load_p50_ms\":%.1f,\"stage_load_max_ms\":%.1f}",
                        poll, flips, convergeMs, pct(convergeMs, 50), pct(convergeMs, 100), pct(loadMs, 50), pct(loadMs, 100)));
            } finally {
                fleet.forEach(HotserveServer::stop);
            }
        }
    }

    private static void download(Args args, Path work) throws Exception {
        int mb = args.getInt("mb", 100);
        int trials = args.getInt("trials", 3);
        byte[] bytes = new byte[mb * 1_000_000];
        new SplittableRandom(11).nextBytes(bytes);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        try (S3Store store = S3Store.start()) {
            store.put(PREFIX + "model_big.onnx", bytes);
            store.pointTo(PREFIX, "model_big.onnx", Optional.of(sha));
            List<Double> mbps = new ArrayList<>();
            for (int t = 0; t < trials; t++) {
                Path cache = work.resolve("download-" + t);
                try (S3CheckpointSource source = S3CheckpointSource.open(S3SourceSettings.of(S3Location.parse("s3://" + S3Store.BUCKET + "/"
                        + PREFIX), Optional.of(store.endpoint()), cache), InstantSource.system())) {
                    source.poll();
                    CheckpointRef ref = source.current().orElseThrow();
                    long t0 = System.nanoTime();
                    StagedCheckpoint staged = source.stage(ref);
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (!staged.verifiedSha256().orElseThrow().equals(sha) || Files.size(staged.file()) != bytes.length) {
                        throw new IllegalStateException("staged bytes differ");
                    }
                    mbps.add(bytes.length / 1e6 / s);
                }
            }
            System.out.println(String.format(Locale.ROOT, "{\"mode\":\"download\",\"mb\":%d,\"trials\":%d,\"mb_per_s\":%s,\"p50_mb_per_s\":%.1f}",
                    mb, trials, mbps, pct(mbps, 50)));
        }
    }

    private static void serve(Args args, Path fixtures, Path work) throws Exception {
        String kind = args.get("source");
        byte[] model = Files.readAllBytes(fixtures.resolve("actor_seed0.onnx"));
        S3Store store = null;
        Map<String, String> env;
        if (kind.equals("s3")) {
            store = S3Store.start();
            store.put(PREFIX + "model_a.onnx", model);
            store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
            env = Map.of("HOTSERVE_SOURCE", "s3://" + S3Store.BUCKET + "/" + PREFIX, "HOTSERVE_S3_ENDPOINT", store.endpoint().toString(),
                    "HOTSERVE_CACHE_DIR", work.resolve("cache").toString(), "HOTSERVE_PORT", args.get("port"), "HOTSERVE_GRPC_PORT", "off");
        } else if (kind.equals("dir")) {
            Path dir = Files.createDirectories(work.resolve("models"));
            Files.write(dir.resolve("model_a.onnx"), model);
            env = Map.of("HOTSERVE_MODEL_DIR", dir.toString(), "HOTSERVE_PORT", args.get("port"), "HOTSERVE_GRPC_PORT", "off");
        } else {
            throw new IllegalArgumentException("--source s3|dir, was " + kind);
        }
        HotserveServer server = HotserveServer.start(ConfigLoader.load(Map.<Setting, String>of(), env, work));
        if (server.models().get("sac").current().isEmpty()) {
            throw new IllegalStateException("no model loaded from " + kind);
        }
        System.out.println("READY " + kind + " " + server.port());
        System.out.flush();
        new CountDownLatch(1).await(); // until killed: the process ends, and the store with it
    }

    /**
     * The request path alone, without HTTP or the engine: {@code acquire()} + {@code close()} (the
     * freshness check and the lease) on a model following S3 and on one following a local
     * directory, same checkpoint, in interleaved rounds on one thread. ns per call.
     */
    private static void acquire(Args args, Path fixtures, Path work) throws Exception {
        int rounds = args.getInt("rounds", 5);
        long calls = args.getLong("calls", 2_000_000);
        byte[] model = Files.readAllBytes(fixtures.resolve("actor_seed0.onnx"));
        Path dir = Files.createDirectories(work.resolve("models"));
        Files.write(dir.resolve("model_a.onnx"), model);
        try (S3Store store = S3Store.start()) {
            store.put(PREFIX + "model_a.onnx", model);
            store.pointTo(PREFIX, "model_a.onnx", Optional.empty());
            S3CheckpointSource source = S3CheckpointSource.open(S3SourceSettings.of(S3Location.parse("s3://" + S3Store.BUCKET + "/" + PREFIX),
                    Optional.of(store.endpoint()), work.resolve("cache")), InstantSource.system());
            source.poll();
            try (HotModel s3 = HotModel.builder().name("sac").source(source).build();
                    HotModel local = HotModel.builder().name("sac").directory(dir).build()) {
                if (s3.current().isEmpty() || local.current().isEmpty()) {
                    throw new IllegalStateException("a model did not load");
                }
                List<Double> s3Ns = new ArrayList<>();
                List<Double> dirNs = new ArrayList<>();
                for (int r = 0; r <= rounds; r++) { // round 0 warms both up and is not counted
                    boolean s3First = r % 2 == 0;
                    double a = timeAcquire(s3First ? s3 : local, calls);
                    double b = timeAcquire(s3First ? local : s3, calls);
                    if (r > 0) {
                        s3Ns.add(s3First ? a : b);
                        dirNs.add(s3First ? b : a);
                    }
                }
                System.out.println(String.format(Locale.ROOT,
                        "{\"mode\":\"acquire\",\"calls\":%d,\"rounds\":%d,\"s3_ns\":%s,\"dir_ns\":%s,\"s3_p50_ns\":%.1f,\"dir_p50_ns\":%.1f}",
                        calls, rounds, s3Ns, dirNs, pct(s3Ns, 50), pct(dirNs, 50)));
            }
        }
    }

    private static double timeAcquire(HotModel m, long calls) {
        long t0 = System.nanoTime();
        long sink = 0;
        for (long i = 0; i < calls; i++) {
            try (Lease lease = m.acquire()) {
                sink += lease.version().generation();
            }
        }
        double ns = (System.nanoTime() - t0) / (double) calls;
        if (sink == 42) {
            System.err.print(""); // keeps the loop's result alive
        }
        return ns;
    }

    private static String key(int i) {
        return String.format("model_%02d.onnx", i);
    }

    private static double pct(List<Double> values, int p) {
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        if (s.isEmpty()) {
            return Double.NaN;
        }
        int idx = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, idx)));
    }
}
