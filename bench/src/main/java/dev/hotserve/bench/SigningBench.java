package dev.hotserve.bench;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotserveRuntime;
import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.signing.ModelSigner;
import dev.hotserve.signing.ModelVerifier;
import dev.hotserve.signing.SignatureBundle;
import dev.hotserve.signing.SignatureMode;
import dev.hotserve.signing.TrustedKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What signed checkpoints cost a pickup (issue 24): one checkpoint loaded again and again by a
 * {@link HotModel} on an explicit file, with signatures {@code off} and {@code enforce} in
 * alternating rounds, for the 296 KB SAC actor and the same actor carrying an unused 100 MB
 * initializer (so ONNX Runtime reads and parses 100 MB of tensor data, as it would real weights).
 * Beside the whole pickup, each step of the signed path is timed alone: the sha256 pass the
 * unsigned path runs beside the engine, the copy-and-hash into a private folder that replaces it,
 * the envelope's verification, and the engine's load. Prints one JSON object; times in ms.
 */
public final class SigningBench {

    private SigningBench() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Path fixtures = Path.of(args.get("fixtures"));
        Path key = Path.of(args.get("key"));
        Path pub = Path.of(args.get("pub"));
        Path work = Files.createDirectories(Path.of(args.get("work")));
        int rounds = args.getInt("rounds", 30);
        int warm = args.getInt("warm", 5);
        int bigMb = args.getInt("big-mb", 100);
        byte[] small = Files.readAllBytes(fixtures.resolve("actor_seed0.onnx"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rounds", rounds);
        out.put("warm", warm);
        Engines engines = Engines.discover();
        TrustedKeys trusted = TrustedKeys.load(List.of(pub));
        for (Map.Entry<String, byte[]> c : Map.of("small", small, "big", withPadding(small, bigMb << 20)).entrySet().stream()
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder())).toList()) {
            Path dir = Files.createDirectories(work.resolve(c.getKey()));
            Path file = Files.write(dir.resolve("model_1.onnx"), c.getValue());
            Files.write(dir.resolve("model_1.onnx.sig"), ModelSigner.load(key).signFile(file));
            Path copies = Files.createDirectories(work.resolve("copies-" + c.getKey()));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("bytes", c.getValue().length);
            r.putAll(pickups(engines, file, copies, pub, rounds, warm));
            r.put("sha256_alone", stats(rounds, warm, () -> time(() -> sha256(file))));
            r.put("copy_and_sha256_alone", stats(rounds, warm, () -> time(() -> copyAndHash(file, copies))));
            r.put("verify_envelope_and_match", stats(rounds, warm, () -> time(() -> verify(trusted, file))));
            r.put("engine_load_alone", stats(rounds, warm, () -> time(() -> engineLoad(engines, file))));
            out.put(c.getKey(), r);
        }
        System.out.println(json(out));
    }

    /** Whole pickups through a model, the two modes alternating round by round so both see the same machine. */
    private static Map<String, Object> pickups(Engines engines, Path file, Path copies, Path pub, int rounds, int warm) throws Exception {
        Map<SignatureMode, List<Double>> ms = new LinkedHashMap<>();
        try (HotserveRuntime rt = HotserveRuntime.builder().engines(engines).privateCopies(copies).build();
                HotModel off = HotModel.builder().name("off").file(file).runtime(rt).build();
                HotModel enforce = HotModel.builder().name("enforce").file(file).runtime(rt).signatures(SignatureMode.ENFORCE).trustedKeys(pub).build()) {
            for (int i = 0; i < warm + rounds; i++) {
                for (HotModel m : i % 2 == 0 ? List.of(off, enforce) : List.of(enforce, off)) {
                    // A new mtime makes it a new checkpoint to the source; the bytes stay, so the signature holds.
                    Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L + 1000L * i));
                    long t0 = System.nanoTime();
                    m.reload();
                    double took = (System.nanoTime() - t0) / 1e6;
                    if (i >= warm) {
                        ms.computeIfAbsent(m == off ? SignatureMode.OFF : SignatureMode.ENFORCE, k -> new ArrayList<>()).add(took);
                    }
                }
                if (enforce.current().orElseThrow().signer().isEmpty()) {
                    throw new IllegalStateException("enforce served a version without a signer");
                }
            }
            try (var s = Files.list(copies)) {
                if (s.count() != 1) {
                    throw new IllegalStateException("expected exactly the serving version's private copy in " + copies);
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("pickup_off", summary(ms.get(SignatureMode.OFF)));
        r.put("pickup_enforce", summary(ms.get(SignatureMode.ENFORCE)));
        return r;
    }

    /** An ONNX model with an extra initializer of {@code bytes} bytes that no node uses (ModelProto.graph += initializer). */
    static byte[] withPadding(byte[] model, int bytes) throws IOException {
        ByteArrayOutputStream top = new ByteArrayOutputStream(model.length + bytes + 64);
        int i = 0;
        boolean done = false;
        while (i < model.length) {
            int start = i;
            long[] tag = varint(model, i);
            i = (int) tag[1];
            int wire = (int) (tag[0] & 7);
            int field = (int) (tag[0] >>> 3);
            switch (wire) {
                case 0 -> i = (int) varint(model, i)[1];
                case 1 -> i += 8;
                case 5 -> i += 4;
                case 2 -> {
                    long[] len = varint(model, i);
                    int body = (int) len[1];
                    i = body + (int) len[0];
                    if (field == 7) { // graph
                        ByteArrayOutputStream g = new ByteArrayOutputStream();
                        g.write(model, body, (int) len[0]);
                        g.write(initializer(bytes));
                        writeVarint(top, (7 << 3) | 2);
                        writeVarint(top, g.size());
                        g.writeTo(top);
                        done = true;
                        continue;
                    }
                }
                default -> throw new IOException("unexpected wire type " + wire);
            }
            top.write(model, start, i - start);
        }
        if (!done) {
            throw new IOException("no graph in the model");
        }
        return top.toByteArray();
    }

    private static byte[] initializer(int bytes) throws IOException {
        ByteArrayOutputStream t = new ByteArrayOutputStream(bytes + 32);
        writeVarint(t, (1 << 3)); // dims
        writeVarint(t, bytes / 4);
        writeVarint(t, (2 << 3)); // data_type FLOAT
        writeVarint(t, 1);
        byte[] name = "bench_padding".getBytes(StandardCharsets.UTF_8);
        writeVarint(t, (8 << 3) | 2);
        writeVarint(t, name.length);
        t.write(name);
        byte[] raw = new byte[bytes / 4 * 4];
        new Random(24).nextBytes(raw);
        writeVarint(t, (9 << 3) | 2); // raw_data
        writeVarint(t, raw.length);
        t.write(raw);
        ByteArrayOutputStream field = new ByteArrayOutputStream(t.size() + 8);
        writeVarint(field, (5 << 3) | 2); // GraphProto.initializer
        writeVarint(field, t.size());
        t.writeTo(field);
        return field.toByteArray();
    }

    private static long[] varint(byte[] b, int i) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[i++];
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return new long[] {v, i};
            }
        }
    }

    private static void writeVarint(OutputStream out, long v) throws IOException {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static byte[] sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }

    /** The loop the core's private copy runs: a 0700 folder, a 0600 file, hashed as it is written; then deleted. */
    private static void copyAndHash(Path file, Path parent) throws Exception {
        Path dir = Files.createTempDirectory(parent, "bench-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path copy = dir.resolve(file.getFileName());
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = Files.newInputStream(file);
                OutputStream out = Channels.newOutputStream(Files.newByteChannel(copy, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        }
        md.digest();
        Files.delete(copy);
        Files.delete(dir);
    }

    private static void verify(TrustedKeys trusted, Path file) throws Exception {
        ModelVerifier.VerifiedEnvelope env = new ModelVerifier(trusted).verifyEnvelope(SignatureBundle.read(file.resolveSibling(file.getFileName() + ".sig")));
        env.matchFile(file.getFileName().toString(), sha256Cached(file));
    }

    private static final Map<Path, byte[]> DIGESTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The digest is the copy's: computed once here, so this step times only the signature's own work. */
    private static byte[] sha256Cached(Path file) {
        return DIGESTS.computeIfAbsent(file, f -> {
            try {
                return sha256(f);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void engineLoad(Engines engines, Path file) throws Exception {
        try (LoadedModel m = engines.load(file, new LoadOptions(true, 1, OptionalInt.empty())).model()) {
            m.signature();
        }
    }

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private static double time(Step step) {
        long t0 = System.nanoTime();
        try {
            step.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static Map<String, Object> stats(int rounds, int warm, Supplier<Double> one) {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < warm + rounds; i++) {
            double t = one.get();
            if (i >= warm) {
                ms.add(t);
            }
        }
        return summary(ms);
    }

    private static Map<String, Object> summary(List<Double> ms) {
        double[] a = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("p50", a[a.length / 2]);
        r.put("p90", a[Math.min(a.length - 1, (int) Math.ceil(a.length * 0.9) - 1)]);
        r.put("min", a[0]);
        r.put("n", a.length);
        return r;
    }

    private static String json(Object o) {
        if (o instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(b.length() > 1 ? ", " : "").append('"').append(e.getKey()).append("\": ").append(json(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (o instanceof Double d) {
            return String.format(Locale.ROOT, "%.3f", d);
        }
        return String.valueOf(o);
    }
}
