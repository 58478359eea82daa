package dev.hotserve.engine.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.TensorInfo;
import dev.hotserve.engine.DataType;
import dev.hotserve.engine.Engine;
import dev.hotserve.engine.InferenceException;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs ONNX models with ONNX Runtime on the CPU.
 *
 * <p>Each loaded model is one {@link OrtSession}, shared by every caller (ONNX Runtime allows
 * concurrent {@code run} calls on one session). Sessions use {@link LoadOptions#threads()} intra-op
 * threads and one inter-op thread with sequential execution: ONNX Runtime's default of one
 * intra-op thread per core spins every core even at batch 1, which costs more than it gives on a
 * small policy network. {@link LoadOptions#optimize()} picks the graph optimisation level:
 * {@link OptLevel#ALL_OPT} when on, {@link OptLevel#NO_OPT} when off. The optimiser is a third of
 * a small model's session creation, so with {@link LoadOptions#optimizeLater()} the session is
 * made without it and the model says {@code optimized() == false}: the caller loads it again.
 *
 * <p>ONNX Runtime's native environment is a process-wide singleton owned by the library; it is
 * created on the first {@link #load}, so constructing this engine costs nothing, and never closed
 * by us, since other engine instances in the same process share it. The engine also owns the pool
 * of direct buffers that calls borrow (see {@link DirectBuffers}).
 */
public final class OnnxEngine implements Engine {

    /** Shared by every model of this engine, so a reload reuses the previous model's buffers. */
    private final DirectBuffers buffers = DirectBuffers.forThisMachine();

    /** The pool its models borrow from (for tests that count allocations). */
    DirectBuffers buffers() {
        return buffers;
    }

    private static final Pattern ORT_PREFIX = Pattern.compile("^Error code - (\\S+) - message: ");
    private static final Pattern ORT_LOAD_PREFIX = Pattern.compile("^Load model from .*? failed:");

    /** ZIP local file header: a TorchScript archive, never ONNX. */
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    @Override
    public String name() {
        return "onnx";
    }

    /**
     * An ONNX file is a serialised {@code ModelProto} protobuf. Exporters write {@code ir_version}
     * (field 1, a small varint: tag byte {@code 0x08}) first; other writers may start with another
     * {@code ModelProto} field, so any of those tags is accepted. Protobuf has no magic number, so
     * this is a hint for ordering engines, not proof: a file it accepts may still fail to load.
     */
    @Override
    public boolean recognizes(byte[] head) {
        if (head.length < 2 || startsWith(head, ZIP_MAGIC)) {
            return false;
        }
        int tag = head[0] & 0xff;
        return switch (tag) {
            // ir_version: versions so far are 1..11, one varint byte.
            case 0x08 -> head[1] > 0 && head[1] < 64;
            // producer_name, producer_version, domain, doc_string, graph, opset_import, metadata_props:
            // length-delimited fields.
            case 0x12, 0x1a, 0x22, 0x32, 0x3a, 0x42, 0x72 -> true;
            // model_version: varint.
            case 0x28 -> true;
            default -> false;
        };
    }

    @Override
    public LoadedModel load(Path file, LoadOptions options) throws ModelLoadException {
        checkReadable(file);
        OrtEnvironment env = environment(file);
        SessionOptions sessionOptions = null;
        OrtSession session = null;
        OnnxModel model = null;
        try {
            sessionOptions = sessionOptions(options);
            try {
                session = env.createSession(file.toString(), sessionOptions);
            } catch (OrtException e) {
                throw new ModelLoadException(file + " is not a readable ONNX model: " + ortMessage(e), e);
            }
            ModelSignature signature = signature(file, session, options);
            model = new OnnxModel(file, env, sessionOptions, session, signature, options.optimizeNow(), fixedBatch(session, signature),
                    buffers);
            warmUp(file, model);
            return model;
        } catch (OrtException e) {
            ModelLoadException failure =
                    new ModelLoadException("cannot load " + file + " with ONNX Runtime: " + ortMessage(e), e);
            release(model, session, sessionOptions, failure);
            throw failure;
        } catch (ModelLoadException | RuntimeException | Error e) {
            release(model, session, sessionOptions, e);
            throw e;
        }
    }

    /**
     * Closes what a failed load opened: a bad checkpoint must not leak native memory, however often
     * it is retried. Failures while closing are attached to the load failure, not lost.
     */
    private static void release(OnnxModel model, OrtSession session, SessionOptions options, Throwable failure) {
        if (model != null) {
            try {
                model.close();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
            return;
        }
        if (session != null) {
            try {
                session.close();
            } catch (OrtException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        if (options != null) {
            options.close();
        }
    }

    private static void checkReadable(Path file) throws ModelLoadException {
        try {
            if (Files.size(file) == 0) {
                throw new ModelLoadException(file + " is empty (0 bytes), not an ONNX model");
            }
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file + " does not exist", e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e, e);
        }
    }

    private static OrtEnvironment environment(Path file) throws ModelLoadException {
        try {
            return OrtEnvironment.getEnvironment();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // The native library failed to load (wrong platform, missing libstdc++): say so rather
            // than blaming the checkpoint.
            throw new ModelLoadException("ONNX Runtime is unavailable on this platform, cannot load " + file + ": " + e, e);
        }
    }

    private static SessionOptions sessionOptions(LoadOptions options) throws OrtException {
        SessionOptions so = new SessionOptions();
        try {
            so.setIntraOpNumThreads(options.threads());
            so.setInterOpNumThreads(1);
            so.setExecutionMode(ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(options.optimizeNow() ? OptLevel.ALL_OPT : OptLevel.NO_OPT);
            if (options.optimize() && options.optimizeLater()) {
                // This session serves only until the optimised one replaces it, which packs the weights for
                // its kernels anyway: not packing them here shortens the pickup (SessionOptionsProbe, SAC actor:
                // creation + first run 1.06 and 1.07 ms against 1.20 and 1.28 ms, p50 of 20, two runs).
                so.addConfigEntry("session.disable_prepacking", "1");
            }
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    /**
     * The graph's own inputs and outputs, in its order, with their types and shapes ({@code -1} for
     * a symbolic dimension). When the graph is a row model (one FP32 input {@code [batch, width]},
     * FP32 outputs {@code [batch]} or {@code [batch, k]}), a width the graph leaves open comes from
     * {@link LoadOptions#stateDim()}, and a batch axis fixed at export is shown as {@code -1}: the
     * model serves any batch size (see {@link OnnxModel}).
     */
    private static ModelSignature signature(Path file, OrtSession session, LoadOptions options)
            throws OrtException, ModelLoadException {
        List<TensorSpec> inputs = new ArrayList<>();
        for (NodeInfo in : session.getInputInfo().values()) {
            inputs.add(spec(file, "input", in));
        }
        List<TensorSpec> outputs = new ArrayList<>();
        for (NodeInfo out : session.getOutputInfo().values()) {
            outputs.add(spec(file, "output", out));
        }
        if (inputs.isEmpty() || outputs.isEmpty()) {
            throw new ModelLoadException(file + " has " + inputs.size() + " inputs and " + outputs.size()
                    + " outputs; a model needs at least one of each");
        }
        if (inputs.size() == 1 && inputs.get(0).type() == DataType.FP32 && inputs.get(0).rank() == 2) {
            TensorSpec in = inputs.get(0);
            long width = in.dim(1);
            if (width > 0 && options.stateDim().isPresent() && options.stateDim().getAsInt() != width) {
                throw new ModelLoadException(file + ": model takes " + width + " inputs, state_dim says "
                        + options.stateDim().getAsInt());
            }
            if (width < 0 && options.stateDim().isPresent()) {
                // A dynamic width: only the sidecar can say what it is.
                width = options.stateDim().getAsInt();
            }
            boolean rowOutputs = outputs.stream().allMatch(o -> o.type() == DataType.FP32
                    && (o.rank() == 1 || (o.rank() == 2 && o.dim(1) > 0)));
            if (width > 0 && rowOutputs) {
                List<TensorSpec> rows = outputs.stream()
                        .map(o -> new TensorSpec(o.name(), o.type(), o.rank() == 1 ? new long[] {-1} : new long[] {-1, o.dim(1)}))
                        .toList();
                return new ModelSignature(List.of(TensorSpec.rows(in.name(), DataType.FP32, Math.toIntExact(width))), rows);
            }
        }
        return new ModelSignature(inputs, outputs);
    }

    private static TensorSpec spec(Path file, String what, NodeInfo node) throws ModelLoadException {
        if (!(node.getInfo() instanceof TensorInfo t)) {
            throw new ModelLoadException(file + ": " + what + " '" + node.getName() + "' is " + node.getInfo()
                    + ", not a tensor");
        }
        DataType type = OnnxModel.ourType(t.onnxType);
        if (type == null) {
            throw new ModelLoadException(file + ": " + what + " '" + node.getName() + "' is of ONNX type " + onnxName(t.onnxType)
                    + ", which the Open Inference Protocol has no datatype for; hotserve serves tensors of " + DataType.supported());
        }
        if (what.equals("input") && !OnnxModel.carriesInput(type)) {
            // ONNX Runtime's Java API has no way to make a tensor of these (OnnxJavaType has no unsigned types but UINT8):
            // refusing at load is honest, feeding the signed type would fail or be misread on every request.
            throw new ModelLoadException(file + ": input '" + node.getName() + "' is " + type.wireName() + ", which ONNX Runtime's"
                    + " Java API cannot feed (it makes no " + type.wireName() + " tensors); ONNX inputs may be "
                    + OnnxModel.describeInputTypes() + " (" + type.wireName() + " is served as an output)");
        }
        long[] shape = t.getShape();
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shape[i] < 0 ? -1 : shape[i];
        }
        return new TensorSpec(node.getName(), type, shape);
    }

    /** {@code UINT16} for {@code ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16}. */
    private static String onnxName(TensorInfo.OnnxTensorType type) {
        String n = type.name();
        String prefix = "ONNX_TENSOR_ELEMENT_DATA_TYPE_";
        return n.startsWith(prefix) ? n.substring(prefix.length()) : n;
    }

    /** The batch size when a row model was exported without a dynamic batch axis, else 0. */
    private static long fixedBatch(OrtSession session, ModelSignature signature) throws OrtException {
        if (!signature.isRowModel()) {
            return 0;
        }
        long dim = ((TensorInfo) session.getInputInfo().values().iterator().next().getInfo()).getShape()[0];
        return Math.max(dim, 0);
    }

    /**
     * Runs one row of zeros (or the fixed batch), or zeros of every input with each variable
     * dimension 1: the first run allocates ONNX Runtime's arenas and kernels, which should happen
     * on the loading thread rather than on a request, and it proves the declared output shapes
     * hold before the model is handed out.
     */
    private static void warmUp(Path file, OnnxModel model) throws ModelLoadException {
        try {
            ModelSignature sig = model.signature();
            if (sig.isRowModel()) {
                int rows = model.fixedBatch() > 0 ? Math.toIntExact(model.fixedBatch()) : 1;
                model.run(new float[rows * sig.inputWidth()], rows);
            } else {
                List<Tensor> zeros = new ArrayList<>();
                for (TensorSpec in : sig.inputs()) {
                    long[] shape = in.shape();
                    for (int i = 0; i < shape.length; i++) {
                        shape[i] = shape[i] < 0 ? 1 : shape[i];
                    }
                    zeros.add(Tensor.zeros(in.name(), in.type(), shape));
                }
                model.run(zeros);
            }
        } catch (InferenceException e) {
            throw new ModelLoadException(file + " loads but fails on a warm-up input: " + e.getMessage(), e);
        }
    }

    /**
     * ONNX Runtime's message without its boilerplate: "Error code - ORT_INVALID_PROTOBUF - message:
     * Load model from /path failed:Protobuf parsing failed." becomes "Protobuf parsing failed
     * (ORT_INVALID_PROTOBUF)" — our own message already names the file.
     */
    static String ortMessage(OrtException e) {
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        m = m.strip();
        String code = null;
        Matcher prefix = ORT_PREFIX.matcher(m);
        if (prefix.find()) {
            code = prefix.group(1);
            m = m.substring(prefix.end());
        }
        Matcher load = ORT_LOAD_PREFIX.matcher(m);
        if (load.find()) {
            m = m.substring(load.end()).strip();
        }
        if (m.endsWith(".")) {
            m = m.substring(0, m.length() - 1);
        }
        return code == null ? m : m + " (" + code + ")";
    }

    private static boolean startsWith(byte[] head, byte[] prefix) {
        return head.length >= prefix.length && Arrays.equals(head, 0, prefix.length, prefix, 0, prefix.length);
    }
}
