package dev.hotserve.core;

import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a loaded model must show before it may serve: the widths its configuration and sidecar
 * name, a smoke run on a zero batch with finite outputs of the declared shapes, and the golden
 * check of {@code <file>.json}.
 */
final class LoadedModelChecks {

    /** Rows of the zero batch of the smoke run: 2, so a model that mixes rows is caught too. */
    static final int SMOKE_ROWS = 2;

    private final int expectedStateDim; // 0: not configured

    LoadedModelChecks(int expectedStateDim) {
        this.expectedStateDim = expectedStateDim;
    }

    PolicyHead verify(Path file, LoadedModel model, Sidecars.Json sidecar) throws CheckpointLoading.Refused {
        ModelSignature sig = model.signature();
        boolean rows = sig.isRowModel();
        int width = sig.inputWidth();
        if (expectedStateDim > 0 && width != expectedStateDim) {
            throw new CheckpointLoading.Refused(file + (rows ? " takes " + width + " inputs" : " is not a row model (it takes "
                    + ModelSignature.describe(sig.inputs()) + ")") + ", the model is configured for state_dim " + expectedStateDim);
        }
        if (sidecar.stateDim().isPresent() && rows && width != sidecar.stateDim().getAsInt()) {
            throw new CheckpointLoading.Refused(file + " takes " + width + " inputs, but " + CheckpointLoading.sidecarPath(file, ".json") + " says state_dim "
                    + sidecar.stateDim().getAsInt());
        }
        PolicyHead head;
        try {
            head = PolicyHead.forSignature(sig, sidecar.head());
        } catch (IllegalArgumentException e) {
            throw new CheckpointLoading.Refused(file + ": " + e.getMessage(), e);
        }
        if (rows) {
            smoke(file, model, sig, head);
        } else {
            smokeTensors(file, model, sig);
        }
        if (sidecar.goldenInputs() != null) {
            if (!rows) {
                throw new CheckpointLoading.Refused(CheckpointLoading.sidecarPath(file, ".json") + ": a golden check needs a row model; " + file + " takes "
                        + ModelSignature.describe(sig.inputs()));
            }
            golden(file, model, head, width, sidecar);
        }
        return head;
    }

    private static void smoke(Path file, LoadedModel model, ModelSignature sig, PolicyHead head) throws CheckpointLoading.Refused {
        float[][] out;
        float[] actions;
        try {
            out = model.run(new float[SMOKE_ROWS * sig.inputWidth()], SMOKE_ROWS);
            if (out == null || out.length != sig.outputs().size()) {
                throw new CheckpointLoading.Refused("smoke run of " + file + " gave " + (out == null ? "null" : out.length + " outputs")
                        + ", the signature declares " + sig.outputs().size());
            }
            for (int i = 0; i < out.length; i++) {
                TensorSpec o = sig.outputs().get(i);
                int want = SMOKE_ROWS * o.width();
                if (out[i] == null || out[i].length != want) {
                    throw new CheckpointLoading.Refused("smoke run of " + file + ": output '" + o.name() + "' has "
                            + (out[i] == null ? "no" : String.valueOf(out[i].length)) + " values for " + SMOKE_ROWS + " rows, expected " + want);
                }
                requireFinite(file, "output '" + o.name() + "'", out[i]);
            }
            actions = head.actions(out, SMOKE_ROWS, true, null);
        } catch (RuntimeException e) {
            throw new CheckpointLoading.Refused("smoke run of " + file + " on a zero batch failed: " + e, e);
        }
        if (actions.length != SMOKE_ROWS * head.actionDim()) {
            throw new CheckpointLoading.Refused("smoke run of " + file + " gave " + actions.length + " action values for " + SMOKE_ROWS
                    + " rows, expected " + SMOKE_ROWS * head.actionDim());
        }
        requireFinite(file, "the actions", actions);
    }

    /**
     * The smoke run of a model that is not a row model: zeros of every input's type, a variable
     * first dimension set to {@link #SMOKE_ROWS} and any other variable one to 1; every output must
     * come back with its declared type and a shape that fits, and floating outputs finite.
     */
    private static void smokeTensors(Path file, LoadedModel model, ModelSignature sig) throws CheckpointLoading.Refused {
        List<Tensor> inputs = new ArrayList<>(sig.inputs().size());
        for (TensorSpec in : sig.inputs()) {
            long[] shape = in.shape();
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] < 0) {
                    shape[d] = d == 0 ? SMOKE_ROWS : 1;
                }
            }
            inputs.add(Tensor.zeros(in.name(), in.type(), shape));
        }
        List<Tensor> out;
        try {
            out = model.run(inputs);
        } catch (RuntimeException e) {
            throw new CheckpointLoading.Refused("smoke run of " + file + " on zero inputs failed: " + e, e);
        }
        if (out == null || out.size() != sig.outputs().size()) {
            throw new CheckpointLoading.Refused("smoke run of " + file + " gave " + (out == null ? "null" : out.size() + " outputs")
                    + ", the signature declares " + sig.outputs().size());
        }
        for (int i = 0; i < out.size(); i++) {
            TensorSpec want = sig.outputs().get(i);
            Tensor got = out.get(i);
            if (got.type() != want.type() || !want.accepts(got.shape())) {
                throw new CheckpointLoading.Refused("smoke run of " + file + ": output '" + want.name() + "' came back as " + got.type().wireName()
                        + java.util.Arrays.toString(got.shape()) + ", the signature declares " + want);
            }
            int bad = got.firstNonFinite();
            if (bad >= 0) {
                throw new CheckpointLoading.Refused("smoke run of " + file + " on zero inputs: output '" + want.name() + "' has a non-finite value "
                        + got.valueAt(bad) + " at index " + bad);
            }
        }
    }

    private static void requireFinite(Path file, String what, float[] values) throws CheckpointLoading.Refused {
        for (int j = 0; j < values.length; j++) {
            if (!Float.isFinite(values[j])) {
                throw new CheckpointLoading.Refused("smoke run of " + file + " on a zero batch: " + what + " has a non-finite value " + values[j] + " at index " + j);
            }
        }
    }

    private static void golden(Path file, LoadedModel model, PolicyHead head, int width, Sidecars.Json s) throws CheckpointLoading.Refused {
        Path sidecar = CheckpointLoading.sidecarPath(file, ".json");
        for (int r = 0; r < s.goldenInputs().length; r++) {
            float[] in = s.goldenInputs()[r];
            float[] want = s.goldenOutputs()[r];
            if (in.length != width) {
                throw new CheckpointLoading.Refused(sidecar + ": golden input " + r + " has " + in.length + " values, the model takes " + width);
            }
            float[] got;
            try {
                got = head.actions(model.run(in, 1), 1, true, null);
            } catch (RuntimeException e) {
                throw new CheckpointLoading.Refused("golden check of " + file + ": input " + r + " failed: " + e, e);
            }
            if (got.length != want.length) {
                throw new CheckpointLoading.Refused("golden check of " + file + ": input " + r + " gives " + got.length + " action values, "
                        + sidecar + " expects " + want.length);
            }
            for (int j = 0; j < got.length; j++) {
                double diff = Math.abs((double) got[j] - want[j]);
                if (!(diff <= s.atol())) { // NaN fails too
                    throw new CheckpointLoading.Refused("golden check of " + file + " failed: input " + r + ", action " + j + " is " + got[j]
                            + ", expected " + want[j] + " (atol " + s.atol() + ")");
                }
            }
        }
    }
}
