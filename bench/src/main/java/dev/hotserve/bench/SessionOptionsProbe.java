package dev.hotserve.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Map.Entry;

/**
 * ONNX Runtime's session options for a small model (issue 26's lead), measured the way a pickup
 * meets them: sessions created {@code --pause-ms} apart (caches cold between them) from the
 * checkpoint's bytes, each timed from creation to the end of its first batch-1 run, and the
 * steady-state batch-1 run of the last one. Variants, in turn per round so drift hits all alike:
 * the engine's options as they are (one intra-op thread, sequential, no graph optimisation: a
 * pickup's load), and each with one more option. Prints one line per variant: p50 of creation +
 * first run, p50 of a warm run, ms.
 */
public final class SessionOptionsProbe {

    private SessionOptionsProbe() {}

    interface Tweak {
        void apply(SessionOptions so) throws Exception;
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Path file = Path.of(args.get("file"));
        int rounds = args.getInt("rounds", 20);
        long pauseMs = args.getLong("pause-ms", 200);
        int width = args.getInt("width", 28);
        byte[] bytes = Files.readAllBytes(file);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, Tweak> variants = new LinkedHashMap<>();
        variants.put("as the engine does", so -> { });
        variants.put("+ no memory pattern", so -> so.setMemoryPatternOptimization(false));
        variants.put("+ no CPU arena", so -> so.setCPUArenaAllocator(false));
        variants.put("+ no spinning", so -> so.addConfigEntry("session.intra_op.allow_spinning", "0"));
        variants.put("+ no prepacking", so -> so.addConfigEntry("session.disable_prepacking", "1"));
        variants.put("+ all three", so -> {
            so.setMemoryPatternOptimization(false);
            so.setCPUArenaAllocator(false);
            so.addConfigEntry("session.intra_op.allow_spinning", "0");
        });
        Map<String, double[]> create = new LinkedHashMap<>();
        Map<String, double[]> run = new LinkedHashMap<>();
        variants.keySet().forEach(k -> {
            create.put(k, new double[rounds]);
            run.put(k, new double[rounds]);
        });
        float[] input = new float[width];
        for (int r = -2; r < rounds; r++) { // two rounds of warm-up
            for (Entry<String, Tweak> v : variants.entrySet()) {
                Thread.sleep(pauseMs);
                try (SessionOptions so = new SessionOptions()) {
                    so.setIntraOpNumThreads(1);
                    so.setInterOpNumThreads(1);
                    so.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
                    so.setOptimizationLevel(SessionOptions.OptLevel.NO_OPT);
                    v.getValue().apply(so);
                    long t0 = System.nanoTime();
                    try (OrtSession s = env.createSession(bytes, so)) {
                        runOnce(env, s, input, width);
                        long t1 = System.nanoTime();
                        for (int i = 0; i < 2000; i++) {
                            runOnce(env, s, input, width);
                        }
                        long t2 = System.nanoTime();
                        for (int i = 0; i < 2000; i++) {
                            runOnce(env, s, input, width);
                        }
                        long t3 = System.nanoTime();
                        if (r >= 0) {
                            create.get(v.getKey())[r] = (t1 - t0) / 1e6;
                            run.get(v.getKey())[r] = (t3 - t2) / 2000 / 1e6;
                        }
                    }
                }
            }
        }
        for (String k : variants.keySet()) {
            System.out.printf(Locale.ROOT, "%-22s create+first run p50 %.3f ms   warm run p50 %.4f ms%n", k, p50(create.get(k)), p50(run.get(k)));
        }
    }

    private static void runOnce(OrtEnvironment env, OrtSession s, float[] input, int width) throws Exception {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, width});
                OrtSession.Result out = s.run(Map.of(s.getInputNames().iterator().next(), t))) {
            out.get(0);
        }
    }

    private static double p50(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
