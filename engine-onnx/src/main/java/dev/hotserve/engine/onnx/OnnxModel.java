package dev.hotserve.engine.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo;
import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InferenceException;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
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
    private final boolean rowModel;
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
        this.rowModel = signature.isRowModel();
        this.inputName = signature.inputs().get(0).name();
        int k = signature.outputs().size();
        this.outputNames = new String[k];
        this.outputWidths = new int[k];
        this.outputIsVector = new boolean[k];
        for (int i = 0; i < k; i++) {
            TensorSpec out = signature.outputs().get(i);
            outputNames[i] = out.name();
            outputWidths[i] = out.width(); // -1 for a model that is not a row model: the fast path refuses it
            // A [batch] output must be bound with a rank-1 shape, or ONNX Runtime rejects the binding.
            outputIsVector[i] = out.rank() == 1;
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
        if (!rowModel) {
            throw new UnsupportedOperationException(file.getFileName() + " is not a row model (" + signature
                    + "): run it with named tensors");
        }
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
     * Named tensors in, named tensors out. A row model takes the fast path above; any other model
     * gets its inputs copied into one borrowed direct buffer (so ONNX Runtime reads them without a
     * copy of its own and no direct memory is left for the GC) and its outputs read from the
     * tensors ONNX Runtime allocates, which the closed result frees at once.
     */
    @Override
    public List<Tensor> run(List<Tensor> inputs) {
        List<Tensor> ordered = signature.check(inputs);
        if (rowModel) {
            Tensor in = ordered.get(0);
            int rows = Math.toIntExact(in.dim(0));
            return LoadedModel.rowOutputs(signature, run(in.floats(), rows), rows);
        }
        long total = ALIGN;
        for (Tensor t : ordered) {
            total += aligned(Math.multiplyExact(t.size(), t.type().byteSize()));
        }
        ByteBuffer arena = buffers.borrow(total);
        Map<String, OnnxTensor> feed = new HashMap<>(ordered.size() * 2);
        try {
            int pos = arena.alignmentOffset(0, ALIGN) == 0 ? 0 : ALIGN - arena.alignmentOffset(0, ALIGN);
            for (Tensor t : ordered) {
                int bytes = t.size() * t.type().byteSize();
                ByteBuffer slice = arena.slice(pos, bytes).order(ByteOrder.nativeOrder());
                pos += aligned(bytes);
                feed.put(t.name(), toOrt(t, slice));
            }
            try (OrtSession.Result result = session.run(feed)) {
                List<Tensor> out = new ArrayList<>(signature.outputs().size());
                for (TensorSpec spec : signature.outputs()) {
                    OnnxValue v = result.get(spec.name()).orElseThrow(() -> new InferenceException(file
                            + ": ONNX Runtime returned no output '" + spec.name() + "'"));
                    if (!(v instanceof OnnxTensor t)) {
                        throw new InferenceException(file + ": output '" + spec.name() + "' is not a tensor: " + v.getInfo());
                    }
                    out.add(fromOrt(spec, t));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new InferenceException(file + ": ONNX Runtime failed on " + ordered + ": " + OnnxEngine.ortMessage(e), e);
        } finally {
            for (OnnxTensor t : feed.values()) {
                t.close();
            }
            buffers.giveBack(arena);
        }
    }

    /** Our datatype for an ONNX element type, or null for one the protocol has no name for (BFLOAT16, FLOAT8, complex). */
    static DataType ourType(TensorInfo.OnnxTensorType type) {
        return switch (type) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DataType.UINT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DataType.UINT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DataType.UINT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
            default -> null;
        };
    }

    /**
     * Whether ONNX Runtime's Java API can make an input tensor of this type: every type but UINT16,
     * UINT32 and UINT64, for which {@code OnnxJavaType} has no constant (it would make the signed
     * type of the same width, which the session refuses). Outputs of those types read fine.
     */
    static boolean carriesInput(DataType type) {
        return type != DataType.UINT16 && type != DataType.UINT32 && type != DataType.UINT64;
    }

    static String describeInputTypes() {
        return Arrays.stream(DataType.values()).filter(OnnxModel::carriesInput).map(DataType::wireName)
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private OnnxTensor toOrt(Tensor t, ByteBuffer slice) throws OrtException {
        long[] shape = t.shape();
        switch (t.type()) {
            case FP32 -> {
                FloatBuffer b = slice.asFloatBuffer();
                b.put(t.floats()).flip();
                return OnnxTensor.createTensor(env, b, shape);
            }
            case FP64 -> {
                DoubleBuffer b = slice.asDoubleBuffer();
                b.put(t.doubles()).flip();
                return OnnxTensor.createTensor(env, b, shape);
            }
            case INT32 -> {
                IntBuffer b = slice.asIntBuffer();
                b.put(t.ints()).flip();
                return OnnxTensor.createTensor(env, b, shape);
            }
            case INT64 -> {
                LongBuffer b = slice.asLongBuffer();
                b.put(t.longs()).flip();
                return OnnxTensor.createTensor(env, b, shape);
            }
            case BOOL -> {
                boolean[] v = t.booleans();
                for (int i = 0; i < v.length; i++) {
                    slice.put(i, v[i] ? (byte) 1 : (byte) 0);
                }
                return OnnxTensor.createTensor(env, slice, shape, OnnxJavaType.BOOL);
            }
            case INT8, UINT8 -> {
                slice.put(0, t.bytes());
                return OnnxTensor.createTensor(env, slice, shape, t.type() == DataType.INT8 ? OnnxJavaType.INT8 : OnnxJavaType.UINT8);
            }
            case INT16, FP16 -> {
                ShortBuffer b = slice.asShortBuffer();
                b.put(t.shorts()).flip();
                return OnnxTensor.createTensor(env, b, shape, t.type() == DataType.INT16 ? OnnxJavaType.INT16 : OnnxJavaType.FLOAT16);
            }
            case BYTES -> {
                // ONNX Runtime's strings are Java Strings, made from UTF-8: other bytes have no faithful string.
                byte[][] v = t.byteStrings();
                String[] strings = new String[v.length];
                for (int i = 0; i < v.length; i++) {
                    strings[i] = utf8(t.name(), i, v[i]);
                }
                return OnnxTensor.createTensor(env, strings, shape);
            }
            case UINT16, UINT32, UINT64 -> throw new IllegalStateException("input '" + t.name() + "' is " + t.type()
                    + ", which the load refuses (see carriesInput)");
        }
        throw new IllegalStateException("unhandled type " + t.type());
    }

    private static String utf8(String input, int index, byte[] element) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(element)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(input, index, "input '" + input + "': BYTES element " + index + " is not UTF-8; this model's"
                    + " input is an ONNX string tensor, which holds UTF-8 text only");
        }
    }

    private Tensor fromOrt(TensorSpec spec, OnnxTensor t) throws OrtException {
        TensorInfo info = t.getInfo();
        long[] shape = info.getShape();
        DataType type = ourType(info.onnxType);
        if (type != spec.type()) {
            throw new InferenceException(file + ": output '" + spec.name() + "' came back as " + info.onnxType + ", declared "
                    + spec.type().wireName());
        }
        int n = Math.toIntExact(info.getNumElements());
        Object data = switch (type) {
            case FP32 -> {
                float[] a = new float[n];
                t.getFloatBuffer().get(a);
                yield a;
            }
            case FP64 -> {
                double[] a = new double[n];
                t.getDoubleBuffer().get(a);
                yield a;
            }
            // The unsigned types come back in ONNX Runtime's buffer of the signed type of their width: the bits, as we keep them.
            case INT32, UINT32 -> {
                int[] a = new int[n];
                t.getIntBuffer().get(a);
                yield a;
            }
            case INT64, UINT64 -> {
                long[] a = new long[n];
                t.getLongBuffer().get(a);
                yield a;
            }
            case INT16, UINT16, FP16 -> {
                short[] a = new short[n];
                rawBuffer(t).asShortBuffer().get(a);
                yield a;
            }
            case INT8, UINT8 -> {
                byte[] a = new byte[n];
                t.getByteBuffer().get(a);
                yield a;
            }
            case BOOL -> {
                ByteBuffer b = t.getByteBuffer();
                boolean[] a = new boolean[n];
                for (int i = 0; i < a.length; i++) {
                    a[i] = b.get(b.position() + i) != 0;
                }
                yield a;
            }
            case BYTES -> {
                List<String> strings = new ArrayList<>(n);
                flatten(t.getValue(), strings);
                byte[][] a = new byte[strings.size()][];
                for (int i = 0; i < a.length; i++) {
                    a[i] = strings.get(i).getBytes(StandardCharsets.UTF_8);
                }
                yield a;
            }
        };
        return Tensor.of(spec.name(), type, shape, data);
    }

    /**
     * A copy of the output's bytes in native order, whatever its element type: for FLOAT16 the
     * half bits as they are ({@code getFloatBuffer} would widen them to floats).
     */
    private static ByteBuffer rawBuffer(OnnxTensor t) {
        return t.getByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** A string tensor's value is a String (rank 0) or nested String arrays, row-major. */
    private static void flatten(Object value, List<String> into) {
        if (value instanceof String s) {
            into.add(s);
        } else if (value instanceof Object[] a) {
            for (Object o : a) {
                flatten(o, into);
            }
        } else {
            throw new IllegalStateException("a string tensor held " + (value == null ? "null" : value.getClass()));
        }
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
