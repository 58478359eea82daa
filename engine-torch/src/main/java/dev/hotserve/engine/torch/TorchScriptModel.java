package dev.hotserve.engine.torch;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.hotserve.engine.InferenceException;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One TorchScript module held by libtorch.
 *
 * <p><b>Memory per call.</b> No Java direct buffer is allocated: the input tensor is made by
 * libtorch ({@code torch::empty}) and filled through a view of its own memory, and the outputs are
 * read through views of theirs. Every tensor of a call lives in a sub-manager closed when the call
 * ends, so native memory is released at once, never left for the garbage collector (DJL's
 * {@code create(float[])} would copy into a fresh {@code ByteBuffer.allocateDirect} per call, which
 * only a GC frees).
 *
 * <p><b>Threads.</b> One module may be run from many threads at once (libtorch's
 * {@code Module::forward} in eval mode only reads the weights); each call has its own tensors. The
 * graph-executor switch is thread-local in libtorch, so each call sets it from this model's
 * option: models with different settings can share threads.
 */
final class TorchScriptModel implements LoadedModel {

    private final Path file;
    private final Model model;
    private final PtSymbolBlock block;
    private final ModelSignature signature;
    private final boolean optimize;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    TorchScriptModel(Path file, Model model, PtSymbolBlock block, ModelSignature signature, boolean optimize,
            Runnable onClose) {
        this.file = file;
        this.model = model;
        this.block = block;
        this.signature = signature;
        this.optimize = optimize;
        this.onClose = onClose;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public boolean optimized() {
        return optimize;
    }

    @Override
    public float[][] run(float[] input, int rows) {
        int width = signature.inputWidth();
        if (rows < 1) {
            throw new IllegalArgumentException(file + ": rows must be at least 1, was " + rows);
        }
        int n = Math.multiplyExact(rows, width);
        if (input.length != n) {
            throw new IllegalArgumentException(file + ": expected " + rows + " rows x " + width + " = " + n
                    + " input values, got " + input.length);
        }
        if (closed.get()) {
            // A native call on a deleted module would crash the JVM; fail in Java instead.
            throw new IllegalStateException(file + ": the model is closed");
        }
        try (NDManager call = model.getNDManager().newSubManager()) {
            NDArray in = call.create(new Shape(rows, width), DataType.FLOAT32);
            in.toByteBuffer(true).asFloatBuffer().put(input, 0, n);
            JniUtils.setGraphExecutorOptimize(optimize);
            NDList outputs = IValueUtils.forward(block, new NDList(in), false);
            if (outputs.size() != signature.outputs().size()) {
                throw new InferenceException(file + ": forward() returned " + outputs.size() + " tensors for "
                        + rows + " rows, but " + signature.outputs().size() + " at load");
            }
            float[][] result = new float[outputs.size()][];
            for (int i = 0; i < result.length; i++) {
                NDArray out = outputs.get(i);
                ModelSignature.Output expected = signature.outputs().get(i);
                long want = (long) rows * expected.width();
                if (out.size() != want) {
                    throw new InferenceException(file + ": output '" + expected.name() + "' has shape " + out.getShape()
                            + " for " + rows + " rows; expected [" + rows + ", " + expected.width() + "]");
                }
                if (out.getDataType() != DataType.FLOAT32) {
                    out = out.toType(DataType.FLOAT32, false);
                }
                result[i] = out.toFloatArray();
            }
            return result;
        } catch (InferenceException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InferenceException(file + ": libtorch failed on " + rows + " rows ("
                    + TorchScriptEngine.torchMessage(e) + ")", e);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                model.close(); // closes the module and any tensor still attached to it
            } finally {
                onClose.run();
            }
        }
    }

    @Override
    public String toString() {
        return "TorchScriptModel[" + file + ", " + signature + ", optimize=" + optimize + "]";
    }
}
