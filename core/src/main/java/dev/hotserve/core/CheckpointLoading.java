package dev.hotserve.core;

import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import dev.hotserve.source.StagedCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;

/**
 * Turns one fingerprinted file into a verified model, or says why not (SPEC §3): the sidecars are
 * read, the bytes hashed (and checked against {@code <file>.sha256} or an expected digest before
 * the engine sees them; with nothing to check against, hashed while the engine loads), and
 * the result must pass the width checks, a smoke run on a zero batch and the golden check of
 * {@code <file>.json}. Whatever fails, a model that was loaded is closed before the outcome leaves.
 */
final class CheckpointLoading {

    /** Rows of the zero batch of the smoke run: 2, so a model that mixes rows is caught too. */
    static final int SMOKE_ROWS = 2;

    private final ModelLoader loader;
    private final LoadOptions options;
    private final int expectedStateDim; // 0: not configured
    private final CheckpointFiles files;
    private final Executor hasher;
    private final SignatureCheck signatures;

    /** @param hasher where the bytes are hashed while the engine loads; a refusal hashes on the loading thread */
    CheckpointLoading(ModelLoader loader, LoadOptions options, int expectedStateDim, CheckpointFiles files, Executor hasher) {
        this(loader, options, expectedStateDim, files, hasher, SignatureCheck.OFF);
    }

    /** @param signatures what the load does with the checkpoint's {@code .sig} (SPEC §16) */
    CheckpointLoading(ModelLoader loader, LoadOptions options, int expectedStateDim, CheckpointFiles files, Executor hasher,
            SignatureCheck signatures) {
        this.signatures = signatures;
        this.hasher = hasher;
        this.loader = loader;
        this.options = options;
        this.expectedStateDim = expectedStateDim;
        this.files = files;
    }

    /** Whether models are loaded with the engine's optimisation on. */
    boolean optimizes() {
        return options.optimize();
    }

    /** The two ways a load ends. */
    sealed interface Outcome {}

    /** @param signer who signed the bytes ({@link dev.hotserve.signing.Signer#describe()}), null when not verified */
    record Ok(String engine, LoadedModel model, PolicyHead head, String sha256, long size, String signer) implements Outcome {
        Ok(String engine, LoadedModel model, PolicyHead head, String sha256, long size) {
            this(engine, model, head, sha256, size, null);
        }
    }

    record Failed(String reason, Throwable cause) implements Outcome {}

    /** A reason to refuse the file, carried out of the helper methods. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }

        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Loads and verifies a staged checkpoint.
     *
     * @param expectedSha256 the digest the bytes must have (a rollback checks the file is the one it
     *     served; a pointer object may name it); null for none
     */
    Outcome load(StagedCheckpoint staged, String expectedSha256) {
        return load(staged, expectedSha256, false);
    }

    /** As {@link #load(StagedCheckpoint, String)}; {@code optimizeLater}: see {@link LoadOptions#optimizeLater()}. */
    Outcome load(StagedCheckpoint staged, String expectedSha256, boolean optimizeLater) {
        Path file = staged.file();
        LoadedModel model = null;
        FutureTask<Digest> hashing = null;
        try {
            // The envelope's signature is checked before the engine sees the bytes; the file's digest
            // (from the one hash pass below) is matched against it after, before the model is used.
            SignatureCheck.Pending signature = signatures.before(staged);
            Sidecars.Json sidecar = readJsonSidecar(staged.jsonSidecar());
            String declared = readShaSidecar(staged.sha256Sidecar());
            Digest known = staged.verifiedSha256().isPresent() ? new Digest(staged.verifiedSha256().get(), staged.ref().size()) : null;
            if (known == null && (declared != null || expectedSha256 != null)) {
                known = sha256(file, staged.ref().size()); // a digest to check: proved before a native parser sees the bytes
            }
            if (known != null) {
                checkDigest(file, staged, declared, expectedSha256, known);
            } else {
                // Nothing to check against: hashed beside the engine's load (on another loader
                // thread when one is free), so the digest costs the load no time.
                long expectedSize = staged.ref().size();
                hashing = new FutureTask<>(() -> sha256(file, expectedSize));
                try {
                    hasher.execute(hashing);
                } catch (RejectedExecutionException e) {
                    // hashed below, on this thread
                }
            }
            LoadOptions opts = sidecar.stateDim().isPresent() ? options.withStateDim(sidecar.stateDim().getAsInt()) : options;
            opts = opts.withOptimizeLater(optimizeLater);
            Engines.Loaded loaded;
            try {
                loaded = loader.load(file, opts);
            } catch (ModelLoadException e) {
                throw new Refused(e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new Refused("loading " + file + " failed: " + e, e);
            }
            model = loaded.model();
            Digest digest = known != null ? known : digestOf(hashing);
            String signer = signature.after(digest.sha256());
            PolicyHead head = verify(file, model, sidecar);
            return new Ok(loaded.engine(), model, head, digest.sha256(), digest.size(), signer);
        } catch (Refused e) {
            closeQuietly(model, e);
            return new Failed(e.getMessage(), e.getCause());
        } catch (IOException e) {
            closeQuietly(model, e);
            return new Failed("cannot read " + file + ": " + e, e);
        } catch (RuntimeException | Error e) {
            closeQuietly(model, e);
            throw e;
        } finally {
            if (hashing != null) {
                hashing.cancel(false); // a load that failed first does not need the digest
            }
        }
    }

    private static void checkDigest(Path file, StagedCheckpoint staged, String declared, String expectedSha256, Digest digest)
            throws Refused {
        String sha = digest.sha256();
        if (declared != null && !declared.equals(sha)) {
            throw new Refused("sha256 of " + file + " is " + sha + " but " + staged.sha256Sidecar().get() + " says " + declared);
        }
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(sha)) {
            throw new Refused(file + " changed since it was loaded, or is not the expected checkpoint: sha256 " + sha + ", expected "
                    + expectedSha256.toLowerCase(Locale.ROOT));
        }
    }

    /** A file's sha256 and the bytes hashed. */
    private record Digest(String sha256, long size) {}

    /** Runs the hash here unless a loader thread took it, and waits for it. */
    private static Digest digestOf(FutureTask<Digest> hashing) throws IOException, Refused {
        hashing.run(); // a no-op when a loader thread runs or ran it
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    return hashing.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the load finishes; the interrupt is kept for the caller
                }
            }
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case Refused r -> throw r;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw new IllegalStateException(e.getCause());
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(LoadedModel model, Throwable primary) {
        if (model == null) {
            return;
        }
        try {
            model.close();
        } catch (RuntimeException e) {
            primary.addSuppressed(e);
        }
    }

    private PolicyHead verify(Path file, LoadedModel model, Sidecars.Json sidecar) throws Refused {
        ModelSignature sig = model.signature();
        boolean rows = sig.isRowModel();
        int width = sig.inputWidth();
        if (expectedStateDim > 0 && width != expectedStateDim) {
            throw new Refused(file + (rows ? " takes " + width + " inputs" : " is not a row model (it takes "
                    + ModelSignature.describe(sig.inputs()) + ")") + ", the model is configured for state_dim " + expectedStateDim);
        }
        if (sidecar.stateDim().isPresent() && rows && width != sidecar.stateDim().getAsInt()) {
            throw new Refused(file + " takes " + width + " inputs, but " + sidecarPath(file, ".json") + " says state_dim "
                    + sidecar.stateDim().getAsInt());
        }
        PolicyHead head;
        try {
            head = PolicyHead.forSignature(sig, sidecar.head());
        } catch (IllegalArgumentException e) {
            throw new Refused(file + ": " + e.getMessage(), e);
        }
        if (rows) {
            smoke(file, model, sig, head);
        } else {
            smokeTensors(file, model, sig);
        }
        if (sidecar.goldenInputs() != null) {
            if (!rows) {
                throw new Refused(sidecarPath(file, ".json") + ": a golden check needs a row model; " + file + " takes "
                        + ModelSignature.describe(sig.inputs()));
            }
            golden(file, model, head, width, sidecar);
        }
        return head;
    }

    private static void smoke(Path file, LoadedModel model, ModelSignature sig, PolicyHead head) throws Refused {
        float[][] out;
        float[] actions;
        try {
            out = model.run(new float[SMOKE_ROWS * sig.inputWidth()], SMOKE_ROWS);
            if (out == null || out.length != sig.outputs().size()) {
                throw new Refused("smoke run of " + file + " gave " + (out == null ? "null" : out.length + " outputs")
                        + ", the signature declares " + sig.outputs().size());
            }
            for (int i = 0; i < out.length; i++) {
                TensorSpec o = sig.outputs().get(i);
                int want = SMOKE_ROWS * o.width();
                if (out[i] == null || out[i].length != want) {
                    throw new Refused("smoke run of " + file + ": output '" + o.name() + "' has "
                            + (out[i] == null ? "no" : String.valueOf(out[i].length)) + " values for " + SMOKE_ROWS + " rows, expected " + want);
                }
                requireFinite(file, "output '" + o.name() + "'", out[i]);
            }
            actions = head.actions(out, SMOKE_ROWS, true, null);
        } catch (RuntimeException e) {
            throw new Refused("smoke run of " + file + " on a zero batch failed: " + e, e);
        }
        if (actions.length != SMOKE_ROWS * head.actionDim()) {
            throw new Refused("smoke run of " + file + " gave " + actions.length + " action values for " + SMOKE_ROWS
                    + " rows, expected " + SMOKE_ROWS * head.actionDim());
        }
        requireFinite(file, "the actions", actions);
    }

    /**
     * The smoke run of a model that is not a row model: zeros of every input's type, a variable
     * first dimension set to {@link #SMOKE_ROWS} and any other variable one to 1; every output must
     * come back with its declared type and a shape that fits, and floating outputs finite.
     */
    private static void smokeTensors(Path file, LoadedModel model, ModelSignature sig) throws Refused {
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
            throw new Refused("smoke run of " + file + " on zero inputs failed: " + e, e);
        }
        if (out == null || out.size() != sig.outputs().size()) {
            throw new Refused("smoke run of " + file + " gave " + (out == null ? "null" : out.size() + " outputs")
                    + ", the signature declares " + sig.outputs().size());
        }
        for (int i = 0; i < out.size(); i++) {
            TensorSpec want = sig.outputs().get(i);
            Tensor got = out.get(i);
            if (got.type() != want.type() || !want.accepts(got.shape())) {
                throw new Refused("smoke run of " + file + ": output '" + want.name() + "' came back as " + got.type().wireName()
                        + java.util.Arrays.toString(got.shape()) + ", the signature declares " + want);
            }
            int bad = got.firstNonFinite();
            if (bad >= 0) {
                throw new Refused("smoke run of " + file + " on zero inputs: output '" + want.name() + "' has a non-finite value "
                        + got.valueAt(bad) + " at index " + bad);
            }
        }
    }

    private static void requireFinite(Path file, String what, float[] values) throws Refused {
        for (int j = 0; j < values.length; j++) {
            if (!Float.isFinite(values[j])) {
                throw new Refused("smoke run of " + file + " on a zero batch: " + what + " has a non-finite value " + values[j] + " at index " + j);
            }
        }
    }

    private static void golden(Path file, LoadedModel model, PolicyHead head, int width, Sidecars.Json s) throws Refused {
        Path sidecar = sidecarPath(file, ".json");
        for (int r = 0; r < s.goldenInputs().length; r++) {
            float[] in = s.goldenInputs()[r];
            float[] want = s.goldenOutputs()[r];
            if (in.length != width) {
                throw new Refused(sidecar + ": golden input " + r + " has " + in.length + " values, the model takes " + width);
            }
            float[] got;
            try {
                got = head.actions(model.run(in, 1), 1, true, null);
            } catch (RuntimeException e) {
                throw new Refused("golden check of " + file + ": input " + r + " failed: " + e, e);
            }
            if (got.length != want.length) {
                throw new Refused("golden check of " + file + ": input " + r + " gives " + got.length + " action values, "
                        + sidecar + " expects " + want.length);
            }
            for (int j = 0; j < got.length; j++) {
                double diff = Math.abs((double) got[j] - want[j]);
                if (!(diff <= s.atol())) { // NaN fails too
                    throw new Refused("golden check of " + file + " failed: input " + r + ", action " + j + " is " + got[j]
                            + ", expected " + want[j] + " (atol " + s.atol() + ")");
                }
            }
        }
    }

    static Path sidecarPath(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /** Hashes {@code file}; {@code expectedSize}: the byte count it must have (-1: any). */
    private Digest sha256(Path file, long expectedSize) throws IOException, Refused {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
        long total = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = files.open(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                total += n;
            }
        }
        if (expectedSize >= 0 && total != expectedSize) {
            throw new Refused(file + " changed while it was being read: " + total + " bytes read, " + expectedSize + " expected");
        }
        return new Digest(HexFormat.of().formatHex(md.digest()), total);
    }

    /** The digest of the {@code .sha256} sidecar in lower case, or null when there is none. */
    private String readShaSidecar(Optional<Path> sidecar) throws IOException, Refused {
        if (sidecar.isEmpty()) {
            return null;
        }
        String text = readSmall(sidecar.get());
        return text == null ? null : Sidecars.sha256(sidecar.get(), text);
    }

    private Sidecars.Json readJsonSidecar(Optional<Path> sidecar) throws IOException, Refused {
        if (sidecar.isEmpty()) {
            return Sidecars.Json.NONE;
        }
        String text = readSmall(sidecar.get());
        return text == null ? Sidecars.Json.NONE : Sidecars.json(sidecar.get(), text);
    }

    /** A sidecar's text, or null when it does not exist. Sidecars are small; a huge one is refused. */
    private String readSmall(Path p) throws IOException, Refused {
        CheckpointFiles.Stat st = files.stat(p);
        if (st == null || st.directory()) {
            return null;
        }
        if (st.size() > 64L * 1024 * 1024) {
            throw new Refused(p + " is " + st.size() + " bytes, too large for a sidecar");
        }
        try (InputStream in = files.open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

}
