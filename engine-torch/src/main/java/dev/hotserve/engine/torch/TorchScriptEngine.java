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
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * TorchScript checkpoints ({@code torch.jit.save} archives) run by libtorch 2.7.1 through DJL's
 * PyTorch engine, fully offline.
 *
 * <p><b>Start-up.</b> Nothing native is touched until the first {@link #load}: then the DJL
 * switches in {@link DjlSettings} are set (offline, one thread, graph optimiser off by default —
 * only where the user has not set them) and DJL's PyTorch engine starts, loading libtorch from
 * the {@code pytorch-native-cpu} jar. A server with only ONNX checkpoints never pays for it.
 *
 * <p><b>Input width.</b> A TorchScript archive stores no input shapes, so the width must come from
 * outside: {@link LoadOptions#stateDim()}, which the core reads from the {@code <file>.json}
 * sidecar ({@code {"state_dim": 28}}). Without it the load fails with a message saying so (and
 * suggesting the width of the module's first weight matrix). The width is then proved by a probe
 * run on a zero batch of two rows, which also gives the number, names and widths of the outputs:
 * a model that rejects that width fails to load, naming the file and the width.
 *
 * <p><b>Outputs.</b> A tensor, a tuple or list of tensors, or a dict of tensors. Each must be
 * {@code [rows]} or {@code [rows, width]}. Dict outputs keep their keys as names; the others are
 * named {@code OUTPUT__0}, {@code OUTPUT__1}, ... and the input {@code INPUT__0} (TorchScript
 * tuples carry no names; the core's {@code PolicyHead} reads two equal-width outputs as
 * {@code mean}, {@code log_std}).
 *
 * <p><b>Other models.</b> A model that is not a row model (several inputs, integer or boolean
 * tensors, ...) declares its inputs and outputs in the sidecar ({@link DeclaredSignature}:
 * names, datatypes, shapes); the load proves the declaration with one run on zeros. The
 * declaration comes from {@link LoadOptions#declared()}, or else is read from the
 * {@code <file>.json} beside the file.
 *
 * <p><b>Failures.</b> Every load that fails closes the DJL model (and with it the native module and
 * every tensor) before the {@link ModelLoadException} leaves. A file whose weights are not finite
 * loads: refusing non-finite outputs is the core's smoke run.
 */
public final class TorchScriptEngine implements Engine {

    /** The name in versions, metrics and error messages. */
    public static final String NAME = "torchscript";

    private static final System.Logger LOG = System.getLogger(TorchScriptEngine.class.getName());

    /** ZIP local file header: every {@code torch.jit.save} archive starts with it. */
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    /** Rows of the probe batch: two, so an output that ignores the batch axis is caught. */

    /** The started PyTorch engine; null until the first load. Guarded by {@code this} for writes. */
    private volatile ai.djl.engine.Engine pytorch;

    /** DJL models opened by this engine and not yet closed, failed loads included (for tests). */
    private final AtomicInteger openModels = new AtomicInteger();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean recognizes(byte[] head) {
        if (head == null || head.length < ZIP_MAGIC.length) {
            return false;
        }
        for (int i = 0; i < ZIP_MAGIC.length; i++) {
            if (head[i] != ZIP_MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public LoadedModel load(Path file, LoadOptions options) throws ModelLoadException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        checkReadable(file);
        ai.djl.engine.Engine engine = start(options.threads());

        Model model = null;
        try {
            model = engine.newModel(file.getFileName().toString(), Device.cpu());
            openModels.incrementAndGet();
            try {
                model.load(file);
            } catch (IOException | MalformedModelException | RuntimeException e) {
                throw new ModelLoadException(file + ": libtorch cannot read it as a TorchScript archive ("
                        + torchMessage(e) + ")", e);
            }
            if (!(model.getBlock() instanceof PtSymbolBlock block)) {
                throw new ModelLoadException(file + ": DJL returned no TorchScript module for it");
            }
            // Inference mode (module.eval()) once, here: dropout off, batch-norm frozen. Calls go
            // straight to IValueUtils.forward, which does not switch modes itself.
            JniUtils.enableInferenceMode(block);
            Optional<ModelSignature> declared = options.declared().isPresent() ? options.declared()
                    : DeclaredSignature.read(DeclaredSignature.sidecarOf(file));
            ModelSignature signature;
            if (declared.isPresent()) {
                refuseUncarried(file, declared.get());
                signature = TorchProbe.probeDeclared(file, model.getNDManager(), block, declared.get(), options.optimize());
            } else {
                if (options.stateDim().isEmpty()) {
                    throw new ModelLoadException(file + ": TorchScript stores no input width; add " + file
                            + ".json with {\"state_dim\": N}" + TorchProbe.widthHint(block)
                            + " (or, for other models, its \"inputs\" and \"outputs\")");
                }
                signature = TorchProbe.probe(file, model.getNDManager(), block, options.stateDim().getAsInt(), options.optimize());
            }

            TorchScriptModel loaded = new TorchScriptModel(file, model, block, signature, options.optimize(),
                    openModels::decrementAndGet);
            model = null; // owned by `loaded` from here on
            try {
                // Warm-up through the serving path, at the batch size most calls use.
                if (signature.isRowModel()) {
                    loaded.run(new float[signature.inputWidth()], 1);
                } else {
                    loaded.run(TorchProbe.zeros(signature, 1));
                }
            } catch (RuntimeException e) {
                loaded.close();
                throw new ModelLoadException(file + ": the warm-up run failed at batch 1 (" + torchMessage(e) + ")", e);
            }
            return loaded;
        } catch (RuntimeException e) {
            throw new ModelLoadException(file + ": loading failed (" + torchMessage(e) + ")", e);
        } finally {
            if (model != null) {
                model.close();
                openModels.decrementAndGet();
            }
        }
    }

    /**
     * The datatypes this engine feeds to and reads from libtorch through DJL. Not BYTES (libtorch
     * tensors hold numbers), and not INT16, UINT16, UINT32 or UINT64: DJL 0.36's native layer has
     * no mapping for them, and making such a tensor aborts the whole process (libtorch 2.7.1,
     * "terminate called without an active exception"), so no request may ever reach one.
     */
    static final Set<dev.hotserve.engine.DataType> CARRIED = EnumSet.complementOf(EnumSet.of(dev.hotserve.engine.DataType.BYTES,
            dev.hotserve.engine.DataType.INT16, dev.hotserve.engine.DataType.UINT16, dev.hotserve.engine.DataType.UINT32,
            dev.hotserve.engine.DataType.UINT64));

    /**
     * Refuses a declared signature with a tensor of a datatype this engine cannot carry, naming the
     * tensor: better at load than a model that loads and then fails, or is misread, on every request.
     */
    private static void refuseUncarried(Path file, ModelSignature declared) throws ModelLoadException {
        for (var specs : List.of(declared.inputs(), declared.outputs())) {
            for (TensorSpec t : specs) {
                if (!CARRIED.contains(t.type())) {
                    throw new ModelLoadException(file + ": " + (specs == declared.inputs() ? "input" : "output") + " '" + t.name() + "' is "
                            + t.type().wireName() + ", which the TorchScript engine cannot carry (" + why(t.type()) + "); it serves "
                            + CARRIED.stream().map(dev.hotserve.engine.DataType::wireName).collect(Collectors.joining(", ")));
                }
            }
        }
    }

    private static String why(dev.hotserve.engine.DataType type) {
        return switch (type) {
            case BYTES -> "libtorch tensors hold numbers, not byte strings";
            default -> "DJL's PyTorch engine has no native mapping for " + type.wireName() + " tensors";
        };
    }

    /** DJL models this engine opened and has not closed yet, failed loads included. */
    int openModels() {
        return openModels.get();
    }

    private static void checkReadable(Path file) throws ModelLoadException {
        if (!Files.exists(file)) { // a dangling link counts as missing
            throw new ModelLoadException(file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            // DJL would search a directory for some *.pt inside it; we load exactly one file.
            throw new ModelLoadException(file + ": not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new ModelLoadException(file + ": not readable");
        }
        try {
            if (Files.size(file) == 0) {
                throw new ModelLoadException(file + " is empty");
            }
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read its size: " + e, e);
        }
    }

    /** Starts DJL's PyTorch engine once per engine instance (DJL itself keeps one per process). */
    private ai.djl.engine.Engine start(int threads) throws ModelLoadException {
        ai.djl.engine.Engine started = pytorch;
        if (started != null) {
            return started;
        }
        synchronized (this) {
            if (pytorch != null) {
                return pytorch;
            }
            // Must precede the first touch of ai.djl.engine.Engine: its static initialiser calls home.
            Map<String, String> applied = DjlSettings.applyDefaults(threads);
            try {
                started = ai.djl.engine.Engine.getEngine("PyTorch");
            } catch (RuntimeException | LinkageError e) {
                // Not cached: a later load tries again (for example after disk space was freed).
                throw new ModelLoadException("libtorch could not start (DJL PyTorch engine with natives from "
                        + "ai.djl.pytorch:pytorch-native-cpu): " + torchMessage(e), e);
            }
            if (!DjlSettings.offline()) {
                LOG.log(System.Logger.Level.WARNING, "DJL runs ONLINE because " + DjlSettings.OFFLINE_ENV
                        + " or " + DjlSettings.OFFLINE + " says so; it may contact the network");
            }
            if (!applied.isEmpty()) {
                // Only the first start in a process sets anything; later engine instances stay quiet.
                String version = started.getVersion();
                LOG.log(System.Logger.Level.INFO, () -> "libtorch " + version + " started; DJL settings applied: " + applied);
            }
            pytorch = started;
            return started;
        }
    }

    /**
     * The useful line of a libtorch error. Its messages carry a C++ backtrace ("Exception raised
     * from ...") or a TorchScript traceback ending in "RuntimeError: ..."; neither belongs in a
     * message a person reads (the full text stays in the cause).
     */
    static String torchMessage(Throwable e) {
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String[] lines = msg.split("\\R");
        String pick = null;
        for (String line : lines) {
            String t = line.strip();
            if (t.startsWith("RuntimeError: ") || t.startsWith("ValueError: ") || t.startsWith("TypeError: ")) {
                pick = t; // the last one is the cause the traceback ends with
            }
        }
        if (pick == null) {
            for (String line : lines) {
                if (!line.isBlank()) {
                    pick = line.strip();
                    break;
                }
            }
        }
        if (pick == null) {
            pick = e.getClass().getSimpleName();
        }
        int boilerplate = pick.indexOf("(Could this error message be improved?");
        if (boilerplate > 0) {
            pick = pick.substring(0, boilerplate).strip();
        }
        return pick.length() > 300 ? pick.substring(0, 300) + "…" : pick;
    }
}
