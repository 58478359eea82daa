package dev.hotserve.engine.torch;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.hotserve.engine.DeclaredSignature;
import dev.hotserve.engine.Engine;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a TorchScript module takes and gives, found by running it: a module carries no input or
 * output declarations, so the engine runs it once on zeros ({@link #PROBE_ROWS} rows) and reads
 * the names, types and shapes of what comes back, or checks a declared signature the same way.
 */
final class TorchProbe {

    /** Rows of the probe's zero batch: 2, so a model that mixes rows shows it. */
    static final int PROBE_ROWS = 2;

    private TorchProbe() {}

    /**
     * Runs the model once on {@link #PROBE_ROWS} rows of zeros of the given width and reads the
     * outputs' names, types and shapes: {@code INPUT__0} {@code [-1, width]} in, {@code OUTPUT__i}
     * (or a dict output's keys) out. Every tensor it makes lives in a sub-manager closed before
     * returning.
     */
    static ModelSignature probe(Path file, NDManager modelManager, PtSymbolBlock block, int width,
            boolean optimize) throws ModelLoadException {
        try (NDManager call = modelManager.newSubManager()) {
            NDArray zeros = call.zeros(new Shape(PROBE_ROWS, width), DataType.FLOAT32);
            NDList outputs;
            try {
                JniUtils.setGraphExecutorOptimize(optimize);
                outputs = IValueUtils.forward(block, new NDList(zeros), false);
            } catch (RuntimeException e) {
                throw new ModelLoadException(file + ": the model does not accept input of width " + width
                        + " (the state_dim it was given, normally from " + file + ".json): " + TorchScriptEngine.torchMessage(e), e);
            }
            if (outputs.isEmpty()) {
                throw new ModelLoadException(file + ": forward() returned no tensor");
            }
            List<TensorSpec> outs = new ArrayList<>(outputs.size());
            for (int i = 0; i < outputs.size(); i++) {
                NDArray out = outputs.get(i);
                String name = out.getName() == null || out.getName().isBlank() ? "OUTPUT__" + i : out.getName();
                Shape shape = out.getShape();
                boolean batchFirst = shape.dimension() >= 1 && shape.get(0) == PROBE_ROWS;
                if (!batchFirst || shape.dimension() > 2 || (shape.dimension() == 2 && shape.get(1) < 1)) {
                    throw new ModelLoadException(file + ": output '" + name + "' has shape " + shape + " for a batch of "
                            + PROBE_ROWS + " rows of width " + width + "; every output must be [rows] or [rows, width] (or declare"
                            + " the model's \"inputs\" and \"outputs\" in " + file.getFileName() + ".json)");
                }
                if (!out.getDataType().isFloating()) {
                    throw new ModelLoadException(file + ": output '" + name + "' is " + out.getDataType()
                            + ", not a floating-point tensor (declare the model's \"inputs\" and \"outputs\" in "
                            + file.getFileName() + ".json to serve it as named tensors)");
                }
                // A float64 output is read as float32 on the row path (see TorchScriptModel).
                outs.add(new TensorSpec(name, dev.hotserve.engine.DataType.FP32,
                        shape.dimension() == 1 ? new long[] {-1} : new long[] {-1, shape.get(1)}));
            }
            return new ModelSignature(List.of(TensorSpec.rows("INPUT__0", dev.hotserve.engine.DataType.FP32, width)), outs);
        }
    }

    /**
     * Proves a signature declared in the sidecar: one run on zeros of the declared inputs (a
     * variable first dimension {@link #PROBE_ROWS}, any other 1) must give as many outputs as
     * declared, each of its declared type and a shape that fits.
     */
    static ModelSignature probeDeclared(Path file, NDManager modelManager, PtSymbolBlock block, ModelSignature declared,
            boolean optimize) throws ModelLoadException {
        try (NDManager call = modelManager.newSubManager()) {
            NDList inputs = new NDList();
            for (TensorSpec in : declared.inputs()) {
                long[] shape = in.shape();
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = shape[d] < 0 ? (d == 0 ? PROBE_ROWS : 1) : shape[d];
                }
                inputs.add(call.zeros(new Shape(shape), TorchScriptModel.djlType(in.type())));
            }
            NDList outputs;
            try {
                JniUtils.setGraphExecutorOptimize(optimize);
                outputs = IValueUtils.forward(block, inputs, false);
            } catch (RuntimeException e) {
                throw new ModelLoadException(file + ": the model does not accept the inputs " + file.getFileName()
                        + ".json declares (" + ModelSignature.describe(declared.inputs()) + "): " + TorchScriptEngine.torchMessage(e), e);
            }
            if (outputs.size() != declared.outputs().size()) {
                throw new ModelLoadException(file + ": forward() returned " + outputs.size() + " tensors, " + file.getFileName()
                        + ".json declares " + declared.outputs().size() + " outputs");
            }
            for (int i = 0; i < outputs.size(); i++) {
                TensorSpec want = declared.outputs().get(i);
                NDArray out = outputs.get(i);
                dev.hotserve.engine.DataType got = TorchScriptModel.ourType(out.getDataType());
                if (got != want.type() || !want.accepts(out.getShape().getShape())) {
                    throw new ModelLoadException(file + ": output " + i + " ('" + want.name() + "') came back as " + out.getDataType()
                            + " " + out.getShape() + ", " + file.getFileName() + ".json declares " + want);
                }
            }
            return declared;
        }
    }

    /** Zeros for every input, variable dimensions set to {@code rows} (first) and 1 (others). */
    static List<Tensor> zeros(ModelSignature sig, int rows) {
        List<Tensor> zeros = new ArrayList<>();
        for (TensorSpec in : sig.inputs()) {
            long[] shape = in.shape();
            for (int d = 0; d < shape.length; d++) {
                shape[d] = shape[d] < 0 ? (d == 0 ? rows : 1) : shape[d];
            }
            zeros.add(Tensor.zeros(in.name(), in.type(), shape));
        }
        return zeros;
    }

    /** A hint for the missing sidecar: the input width of the module's first weight matrix. */
    static String widthHint(PtSymbolBlock block) {
        try {
            for (var entry : block.getParameters()) {
                Parameter p = entry.getValue();
                NDArray a = p.getArray();
                if (a != null && a.getShape().dimension() == 2 && entry.getKey().endsWith("weight")) {
                    return " (its first weight matrix, '" + entry.getKey() + "' " + a.getShape()
                            + ", suggests state_dim " + a.getShape().get(1) + ")";
                }
            }
        } catch (RuntimeException e) {
            // Only a hint; the message stands without it.
        }
        return "";
    }
}
