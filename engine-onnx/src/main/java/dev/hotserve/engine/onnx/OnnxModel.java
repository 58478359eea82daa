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
import java.util.concurrent.ArrayBlockingQueue;

/**
 * One ONNX Runtime session, shared by all callers.
 *
 * <p><b>Memory.</b> Handing ONNX Runtime a heap array makes it copy the array into a fresh direct
 * buffer on every call, and direct buffers are freed only when the garbage collector runs, so
 * under steady traffic the process's native memory grows until some unrelated GC. Instead each
 * call borrows a {@link Scratch} of direct buffers from a small pool: the input is copied into it,
 * and the outputs are bound to it ("pinned outputs"), so ONNX Runtime writes results straight
 * into memory we own and allocates neither input nor output tensors per call. In steady state a
 * call allocates no direct memory at all; only the {@code float[]} results are garbage.
 */
final class OnnxModel implements LoadedModel {

    /** A scratch larger than this is used once and dropped, so one huge batch cannot pin memory. */
    static final long MAX_POOLED_BYTES = 4L << 20;

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
    private final ArrayBlockingQueue<Scratch> pool;

    OnnxModel(Path file, OrtEnvironment env, SessionOptions sessionOptions, OrtSession session,
            ModelSignature signature, boolean optimized, long fixedBatch) throws OrtException {
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
        // Enough for every core to have a call in flight, twice over; more concurrent callers get a
        // scratch of their own that is kept only if the pool has room.
        this.pool = new ArrayBlockingQueue<>(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
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
        Scratch s = borrow(rows);
        OnnxTensor[] outs = new OnnxTensor[outputNames.length];
        try {
            FloatBuffer in = s.input.clear();
            in.put(input, offset, rows * width).flip();
            Map<String, OnnxValue> pinned = new HashMap<>(outputNames.length * 2);
            for (int i = 0; i < outs.length; i++) {
                FloatBuffer ob = s.outputs[i].clear().limit(rows * outputWidths[i]);
                long[] shape = outputIsVector[i] ? new long[] {rows} : new long[] {rows, outputWidths[i]};
                outs[i] = OnnxTensor.createTensor(env, ob, shape);
                pinned.put(outputNames[i], outs[i]);
            }
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, in, new long[] {rows, width});
                    OrtSession.Result ignored = session.run(Map.of(inputName, tensor), pinned)) {
                // The results are in our pinned buffers; the Result owns nothing, but is closed anyway.
            }
            float[][] result = new float[outs.length][];
            for (int i = 0; i < outs.length; i++) {
                result[i] = new float[rows * outputWidths[i]];
                s.outputs[i].get(0, result[i]);
            }
            return result;
        } catch (OrtException e) {
            throw new InferenceException(file + ": ONNX Runtime failed on a batch of " + rows + " rows: "
                    + OnnxEngine.ortMessage(e), e);
        } finally {
            for (OnnxTensor t : outs) {
                if (t != null) {
                    t.close();
                }
            }
            giveBack(s);
        }
    }

    private Scratch borrow(int rows) {
        Scratch s = pool.poll();
        if (s != null && s.rows >= rows) {
            return s;
        }
        // Too small or none free: a bigger one replaces it (a scratch grows at most ~30 times, by
        // doubling), and the small one is left to the GC.
        int capacity = rows >= (1 << 30) ? rows : Integer.highestOneBit(rows * 2 - 1);
        if (s != null) {
            capacity = Math.max(capacity, s.rows);
        }
        return new Scratch(capacity, signature.inputWidth(), outputWidths);
    }

    private void giveBack(Scratch s) {
        if (s.bytes <= MAX_POOLED_BYTES) {
            pool.offer(s);
        }
    }

    /** Direct native-order buffers for one call of up to {@code rows} rows. */
    private static final class Scratch {
        final int rows;
        final long bytes;
        final FloatBuffer input;
        final FloatBuffer[] outputs;

        Scratch(int rows, int inputWidth, int[] outputWidths) {
            this.rows = rows;
            long total = (long) rows * inputWidth;
            this.input = direct(Math.multiplyExact(rows, inputWidth));
            this.outputs = new FloatBuffer[outputWidths.length];
            for (int i = 0; i < outputWidths.length; i++) {
                outputs[i] = direct(Math.multiplyExact(rows, outputWidths[i]));
                total += (long) rows * outputWidths[i];
            }
            this.bytes = total * Float.BYTES;
        }

        private static FloatBuffer direct(int floats) {
            return ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
    }

    @Override
    public void close() {
        pool.clear();
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
