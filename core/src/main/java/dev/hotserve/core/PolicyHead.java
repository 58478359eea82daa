package dev.hotserve.core;

import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.TensorSpec;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Turns a model's raw outputs into actions (README, "Publishing a checkpoint safely").
 *
 * <p>A SAC actor gives {@code mean} and {@code log_std}, as two outputs or packed into one
 * output of width {@code 2k}; its action is the squashed Gaussian: {@code tanh(mean)} when
 * deterministic, else {@code tanh(mean + exp(clamp(log_std, -20, 2)) * N(0,1))}. Any other model's
 * first output is the action as it is.
 *
 * <p>Which case applies is decided once per loaded model, from the signature and an optional
 * hint ({@code "head"} in the checkpoint's JSON sidecar: {@code "sac"} or {@code "identity"}):
 * <ul>
 *   <li>two outputs named {@code mean} and {@code log_std} (any case, any order), or two outputs of
 *       equal width whatever their names (TorchScript tuples carry none): SAC, the first unnamed
 *       one being the mean;
 *   <li>one output of even width whose name mentions both {@code mean} and {@code log_std}, or
 *       with the hint {@code "sac"}: SAC, packed as {@code [mean | log_std]} per row;
 *   <li>otherwise, or with the hint {@code "identity"}: the first output.
 * </ul>
 * A model that is not a row model (see {@link ModelSignature#isRowModel()}) has no head
 * ({@link None}): it answers named tensors only.
 */
public sealed interface PolicyHead {

    double LOG_STD_MIN = -20.0;
    double LOG_STD_MAX = 2.0;

    /** Width of one action. */
    int actionDim();

    /** A short name for info routes: {@code "sac"}, {@code "identity"} or {@code "none"}. */
    String kind();

    /**
     * Actions for {@code rows} rows of raw outputs.
     *
     * @param outputs as returned by {@link dev.hotserve.engine.LoadedModel#run}
     * @param rng the noise source when not deterministic; ignored when deterministic
     * @return {@code rows * actionDim()} values, row-major
     */
    float[] actions(float[][] outputs, int rows, boolean deterministic, RandomGenerator rng);

    /** Chooses the head for a model; {@code hint} may be null. */
    static PolicyHead forSignature(ModelSignature signature, String hint) {
        List<TensorSpec> outs = signature.outputs();
        String h = hint == null ? "" : hint.trim().toLowerCase(Locale.ROOT);
        if (!signature.isRowModel()) {
            if (!h.isEmpty()) {
                throw new IllegalArgumentException("head '" + hint + "' needs a row model (one FP32 input [batch, state_dim], FP32 outputs "
                        + "[batch, k]); this model takes " + ModelSignature.describe(signature.inputs()) + " and gives "
                        + ModelSignature.describe(outs));
            }
            return new None();
        }
        if (h.equals("identity")) {
            return new Identity(outs.get(0).width());
        }
        if (!h.isEmpty() && !h.equals("sac")) {
            throw new IllegalArgumentException("unknown policy head '" + hint + "': expected 'sac' or 'identity'");
        }
        if (outs.size() == 2) {
            int mean = indexNamed(outs, "mean", "log");
            int logStd = indexNamed(outs, "log_std", null);
            if (logStd < 0) {
                logStd = indexNamed(outs, "logstd", null);
            }
            if (mean < 0 || logStd < 0 || mean == logStd) {
                mean = 0;
                logStd = 1;
            }
            if (outs.get(mean).width() == outs.get(logStd).width()) {
                return new SquashedGaussian(outs.get(mean).width(), mean, logStd);
            }
        }
        TensorSpec first = outs.get(0);
        boolean packedName = mentions(first.name(), "mean") && (mentions(first.name(), "log_std") || mentions(first.name(), "logstd"));
        if ((h.equals("sac") || packedName) && first.width() % 2 == 0) {
            return new PackedSquashedGaussian(first.width() / 2);
        }
        if (h.equals("sac")) {
            throw new IllegalArgumentException("head 'sac' needs two outputs of equal width or one of even width, got " + outs);
        }
        return new Identity(first.width());
    }

    private static int indexNamed(List<TensorSpec> outs, String name, String mustNotContain) {
        for (int i = 0; i < outs.size(); i++) {
            String n = outs.get(i).name().toLowerCase(Locale.ROOT);
            if (n.contains(name) && (mustNotContain == null || !n.contains(mustNotContain))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean mentions(String name, String part) {
        return name.toLowerCase(Locale.ROOT).contains(part);
    }

    private static float squash(float mean, float logStd, boolean deterministic, RandomGenerator rng) {
        if (deterministic) {
            return (float) Math.tanh(mean);
        }
        double clamped = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, logStd));
        return (float) Math.tanh(mean + Math.exp(clamped) * rng.nextGaussian());
    }

    /** No action: the model is not a row model and answers named tensors only. */
    record None() implements PolicyHead {
        @Override
        public int actionDim() {
            return 0;
        }

        @Override
        public String kind() {
            return "none";
        }

        @Override
        public float[] actions(float[][] outputs, int rows, boolean deterministic, RandomGenerator rng) {
            throw new UnsupportedOperationException("a model without a policy head has no actions");
        }
    }

    /** The model's first output is the action. */
    record Identity(int actionDim) implements PolicyHead {
        @Override
        public String kind() {
            return "identity";
        }

        @Override
        public float[] actions(float[][] outputs, int rows, boolean deterministic, RandomGenerator rng) {
            return outputs[0];
        }
    }

    /** SAC with {@code mean} and {@code log_std} as separate outputs. */
    record SquashedGaussian(int actionDim, int meanOutput, int logStdOutput) implements PolicyHead {
        @Override
        public String kind() {
            return "sac";
        }

        @Override
        public float[] actions(float[][] outputs, int rows, boolean deterministic, RandomGenerator rng) {
            float[] mean = outputs[meanOutput];
            float[] logStd = outputs[logStdOutput];
            int n = rows * actionDim;
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = squash(mean[i], logStd[i], deterministic, rng);
            }
            return out;
        }
    }

    /** SAC with one output per row laid out as {@code [mean_0..mean_k-1, log_std_0..log_std_k-1]}. */
    record PackedSquashedGaussian(int actionDim) implements PolicyHead {
        @Override
        public String kind() {
            return "sac";
        }

        @Override
        public float[] actions(float[][] outputs, int rows, boolean deterministic, RandomGenerator rng) {
            float[] packed = outputs[0];
            int k = actionDim;
            float[] out = new float[rows * k];
            for (int r = 0; r < rows; r++) {
                int base = r * 2 * k;
                for (int j = 0; j < k; j++) {
                    out[r * k + j] = squash(packed[base + j], packed[base + k + j], deterministic, rng);
                }
            }
            return out;
        }
    }
}
