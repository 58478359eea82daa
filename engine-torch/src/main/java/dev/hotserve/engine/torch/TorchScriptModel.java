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
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    private final boolean rowModel;
    private final boolean optimize;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    TorchScriptModel(Path file, Model model, PtSymbolBlock block, ModelSignature signature, boolean optimize,
            Runnable onClose) {
        this.file = file;
        this.model = model;
        this.block = block;
        this.signature = signature;
        this.rowModel = signature.isRowModel();
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
        if (!rowModel) {
            throw new UnsupportedOperationException(file.getFileName() + " is not a row model (" + signature
                    + "): run it with named tensors");
        }
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
                TensorSpec expected = signature.outputs().get(i);
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

    /**
     * Named tensors in, named tensors out: a row model takes the fast path above; any other model
     * gets each input made by libtorch and filled through a view of its memory, in the declared
     * order (TorchScript's {@code forward} takes positional arguments).
     */
    @Override
    public List<Tensor> run(List<Tensor> inputs) {
        List<Tensor> ordered = signature.check(inputs);
        if (rowModel) {
            Tensor in = ordered.get(0);
            int rows = Math.toIntExact(in.dim(0));
            return LoadedModel.rowOutputs(signature, run(in.floats(), rows), rows);
        }
        if (closed.get()) {
            throw new IllegalStateException(file + ": the model is closed");
        }
        try (NDManager call = model.getNDManager().newSubManager()) {
            NDList args = new NDList(ordered.size());
            for (Tensor t : ordered) {
                NDArray a = call.create(new Shape(t.shape()), djlType(t.type()));
                fill(a.toByteBuffer(true), t);
                args.add(a);
            }
            JniUtils.setGraphExecutorOptimize(optimize);
            NDList outputs = IValueUtils.forward(block, args, false);
            if (outputs.size() != signature.outputs().size()) {
                throw new InferenceException(file + ": forward() returned " + outputs.size() + " tensors, "
                        + signature.outputs().size() + " declared");
            }
            List<Tensor> result = new ArrayList<>(outputs.size());
            for (int i = 0; i < outputs.size(); i++) {
                TensorSpec spec = signature.outputs().get(i);
                NDArray out = outputs.get(i);
                dev.hotserve.engine.DataType type = ourType(out.getDataType());
                long[] shape = out.getShape().getShape();
                if (type != spec.type() || !spec.accepts(shape)) {
                    throw new InferenceException(file + ": output '" + spec.name() + "' came back as " + out.getDataType() + " "
                            + out.getShape() + ", declared " + spec);
                }
                result.add(read(spec.name(), type, shape, out));
            }
            return result;
        } catch (InferenceException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InferenceException(file + ": libtorch failed on " + ordered + " (" + TorchScriptEngine.torchMessage(e) + ")", e);
        }
    }

    /** Copies a tensor's values into libtorch's memory (a native-order view of it), as their bits. */
    private static void fill(ByteBuffer view, Tensor t) {
        ByteBuffer b = view.order(ByteOrder.nativeOrder());
        switch (t.type()) {
            case FP32 -> b.asFloatBuffer().put(t.floats());
            case FP64 -> b.asDoubleBuffer().put(t.doubles());
            case INT8, UINT8 -> b.put(0, t.bytes());
            case INT16, UINT16, FP16 -> b.asShortBuffer().put(t.shorts());
            case INT32, UINT32 -> b.asIntBuffer().put(t.ints());
            case INT64, UINT64 -> b.asLongBuffer().put(t.longs());
            case BOOL -> {
                boolean[] v = t.booleans();
                for (int i = 0; i < v.length; i++) {
                    b.put(i, v[i] ? (byte) 1 : (byte) 0);
                }
            }
            case BYTES -> throw new IllegalStateException("input '" + t.name() + "' is BYTES, which the load refuses");
        }
    }

    /** An output's values, copied out of libtorch's memory as the bits of {@code type}. */
    private static Tensor read(String name, dev.hotserve.engine.DataType type, long[] shape, NDArray out) {
        if (type == dev.hotserve.engine.DataType.BOOL) {
            return Tensor.ofBooleans(name, shape, out.toBooleanArray());
        }
        ByteBuffer b = out.toByteBuffer().order(ByteOrder.nativeOrder());
        int n = Math.toIntExact(out.size());
        Object data = switch (type) {
            case FP32 -> {
                float[] a = new float[n];
                b.asFloatBuffer().get(a);
                yield a;
            }
            case FP64 -> {
                double[] a = new double[n];
                b.asDoubleBuffer().get(a);
                yield a;
            }
            case INT8, UINT8 -> {
                byte[] a = new byte[n];
                b.get(0, a);
                yield a;
            }
            case INT16, UINT16, FP16 -> {
                short[] a = new short[n];
                b.asShortBuffer().get(a);
                yield a;
            }
            case INT32, UINT32 -> {
                int[] a = new int[n];
                b.asIntBuffer().get(a);
                yield a;
            }
            case INT64, UINT64 -> {
                long[] a = new long[n];
                b.asLongBuffer().get(a);
                yield a;
            }
            case BOOL, BYTES -> throw new IllegalStateException(type + " is not read from bytes here");
        };
        return Tensor.of(name, type, shape, data);
    }

    /**
     * libtorch's type for ours, or null for those {@link TorchScriptEngine#CARRIED} leaves out
     * (DJL has constants for INT16 and the wide unsigned types, but its native layer aborts on them).
     */
    static DataType djlType(dev.hotserve.engine.DataType type) {
        return switch (type) {
            case FP32 -> DataType.FLOAT32;
            case FP64 -> DataType.FLOAT64;
            case FP16 -> DataType.FLOAT16;
            case INT8 -> DataType.INT8;
            case UINT8 -> DataType.UINT8;
            case INT32 -> DataType.INT32;
            case INT64 -> DataType.INT64;
            case BOOL -> DataType.BOOLEAN;
            case INT16, UINT16, UINT32, UINT64, BYTES -> null;
        };
    }

    /** Our type for a libtorch tensor's, or null for one we do not serve. */
    static dev.hotserve.engine.DataType ourType(DataType type) {
        return switch (type) {
            case FLOAT32 -> dev.hotserve.engine.DataType.FP32;
            case FLOAT64 -> dev.hotserve.engine.DataType.FP64;
            case FLOAT16 -> dev.hotserve.engine.DataType.FP16;
            case INT8 -> dev.hotserve.engine.DataType.INT8;
            case UINT8 -> dev.hotserve.engine.DataType.UINT8;
            case INT32 -> dev.hotserve.engine.DataType.INT32;
            case INT64 -> dev.hotserve.engine.DataType.INT64;
            case BOOLEAN -> dev.hotserve.engine.DataType.BOOL;
            default -> null;
        };
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
