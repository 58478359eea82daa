package dev.hotserve.engine.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo;
import dev.hotserve.engine.InferenceException;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One ONNX Runtime session, shared by all callers.
 *
 * <p><b>Memory.</b> Each call borrows one direct buffer from the engine's {@link DirectBuffers}
 * pool, copies the input rows into it, and binds the outputs to slices of it ("pinned outputs"),
 * so ONNX Runtime writes results straight into memory we own: in steady state a call allocates no
 * direct memory and no native tensor data, only small Java objects and the {@code float[]}
 * results, which the GC frees as ordinary heap garbage.
 */
final class OnnxModel implements LoadedModel {

    /** Slices start on cache-line boundaries: MLAS kernels read aligned data faster. */
    private static final int ALIGN = 64;

    private final Path file;
    private final OrtEnvironment env;
    private final SessionOptions sessionOptions;
    private final OrtSession session;
    private final ModelSignature signature;
    private final boolean optimized;
    private final long fixedBatch;
    private final String inputName;
    private final String[] outputNames;
    private final int[] outputWidths;
    private final boolean[] outputIsVector;
    private final DirectBuffers buffers;

    OnnxModel(Path file, OrtEnvironment env, SessionOptions sessionOptions, OrtSession session,
            ModelSignature signature, boolean optimized, long fixedBatch, DirectBuffers buffers) throws OrtException {
        this.file = file;
        this.env = env;
        this.sessionOptions = sessionOptions;
        this.session = session;
        this.signature = signature;
        this.optimized = optimized;
        this.fixedBatch = fixedBatch;
        this.inputName = signature.inputName();
        int k = signature.outputs().size();
        this.outputNames = new String[k];
        this.outputWidths = new int[k];
        this.outputIsVector = new boolean[k];
        var info = session.getOutputInfo();
        for (int i = 0; i < k; i++) {
            ModelSignature.Output out = signature.outputs().get(i);
            outputNames[i] = out.name();
            outputWidths[i] = out.width();
            // A [batch] output must be bound with a rank-1 shape, or ONNX Runtime rejects the binding.
            outputIsVector[i] = ((TensorInfo) info.get(out.name()).getInfo()).getShape().length == 1;
        }
        this.buffers = buffers;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public boolean optimized() {
        return optimized;
    }

    /** The batch size baked into the model when it was exported without a dynamic batch axis, else 0. */
    long fixedBatch() {
        return fixedBatch;
    }

    @Override
    public float[][] run(float[] input, int rows) {
        int width = signature.inputWidth();
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be at least 1, was " + rows);
        }
        if (input.length != (long) rows * width) {
            throw new IllegalArgumentException(file.getFileName() + " takes " + width + " values per row: " + rows
                    + " rows need " + (long) rows * width + " values, got " + input.length);
        }
        if (fixedBatch > 0 && rows != fixedBatch) {
            return runInFixedBatches(input, rows);
        }
        return runExact(input, 0, rows);
    }

    /**
     * A model exported without a dynamic batch axis accepts exactly {@code fixedBatch} rows: feed it
     * chunk by chunk, padding the last chunk with zeros, so callers can still use any batch size.
     */
    private float[][] runInFixedBatches(float[] input, int rows) {
        int width = signature.inputWidth();
        int chunk = Math.toIntExact(fixedBatch);
        float[][] out = new float[outputNames.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new float[rows * outputWidths[i]];
        }
        float[] padded = new float[chunk * width];
        for (int start = 0; start < rows; start += chunk) {
            int n = Math.min(chunk, rows - start);
            float[][] part;
            if (n == chunk) {
                part = runExact(input, start * width, chunk);
            } else {
                System.arraycopy(input, start * width, padded, 0, n * width);
                Arrays.fill(padded, n * width, padded.length, 0f);
                part = runExact(padded, 0, chunk);
            }
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(part[i], 0, out[i], start * outputWidths[i], n * outputWidths[i]);
            }
        }
        return out;
    }

    private float[][] runExact(float[] input, int offset, int rows) {
        int width = signature.inputWidth();
        int inBytes = Math.multiplyExact(rows, width * Float.BYTES);
        long total = ALIGN + aligned(inBytes);
        for (int w : outputWidths) {
            total += aligned(Math.multiplyExact(rows, w * Float.BYTES));
        }
        ByteBuffer arena = buffers.borrow(total);
        OnnxTensor[] outs = new OnnxTensor[outputNames.length];
        FloatBuffer[] outBuffers = new FloatBuffer[outputNames.length];
        try {
            int pos = arena.alignmentOffset(0, ALIGN) == 0 ? 0 : ALIGN - arena.alignmentOffset(0, ALIGN);
            FloatBuffer in = slice(arena, pos, inBytes);
            pos += aligned(inBytes);
            in.put(input, offset, rows * width).flip();
            Map<String, OnnxValue> pinned = new HashMap<>(outputNames.length * 2);
            for (int i = 0; i < outs.length; i++) {
                int bytes = rows * outputWidths[i] * Float.BYTES;
                outBuffers[i] = slice(arena, pos, bytes);
                pos += aligned(bytes);
                long[] shape = outputIsVector[i] ? new long[] {rows} : new long[] {rows, outputWidths[i]};
                outs[i] = OnnxTensor.createTensor(env, outBuffers[i], shape);
                pinned.put(outputNames[i], outs[i]);
            }
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, in, new long[] {rows, width})) {
                // The results are in our pinned buffers; the Result owns nothing, but is closed anyway.
                session.run(Map.of(inputName, tensor), pinned).close();
            }
            float[][] result = new float[outs.length][];
            for (int i = 0; i < outs.length; i++) {
                result[i] = new float[rows * outputWidths[i]];
                outBuffers[i].get(0, result[i]);
            }
            return result;
        } catch (OrtException e) {
            throw new InferenceException(file + ": ONNX Runtime failed on a batch of " + rows + " rows: "
                    + OnnxEngine.ortMessage(e), e);
        } finally {
            // Tensors first: the buffer must not be reused while a native tensor still points at it.
            for (OnnxTensor t : outs) {
                if (t != null) {
                    t.close();
                }
            }
            buffers.giveBack(arena);
        }
    }

    private static FloatBuffer slice(ByteBuffer arena, int pos, int bytes) {
        // A slice is big-endian whatever its parent is: set the order, or the floats are garbled.
        return arena.slice(pos, bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static int aligned(int bytes) {
        return Math.addExact(bytes, ALIGN - 1) / ALIGN * ALIGN;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session of " + file + " failed: "
                    + OnnxEngine.ortMessage(e), e);
        } finally {
            sessionOptions.close();
        }
    }

    @Override
    public String toString() {
        return "OnnxModel[" + file + ", " + signature + (optimized ? ", optimized" : "") + "]";
    }
}
