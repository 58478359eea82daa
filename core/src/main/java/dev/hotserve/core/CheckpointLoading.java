package dev.hotserve.core;

import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import dev.hotserve.source.CheckpointFiles;
import dev.hotserve.source.StagedCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;

/**
 * Turns one fingerprinted file into a verified model, or says why not: the sidecars are read, the
 * bytes hashed (and checked against {@code <file>.sha256}, an expected digest or the signature
 * before the engine sees them; with nothing to check against, hashed while the engine loads), and
 * the result must pass the width checks, a smoke run on a zero batch and the golden check of
 * {@code <file>.json}. Whatever fails, a model that was loaded is closed before the outcome leaves.
 * With signatures on, a file that has no digest from its staging is copied first and the engine
 * loads the copy ({@link PrivateCopies}): the bytes whose digest was matched are the bytes loaded.
 */
final class CheckpointLoading {


    private final ModelLoader loader;
    private final LoadOptions options;
    private final LoadedModelChecks checks;
    private final Digests digests;
    private final CheckpointFiles files;
    private final Executor hasher;
    private final SignatureCheck signatures;
    private final PrivateCopies copies;

    /**
     * @param hasher where the bytes are hashed while the engine loads; a refusal hashes on the loading thread
     * @param signatures what the load does with the checkpoint's {@code .sig}
     * @param copies where a signed load puts the private copy the engine loads
     */
    CheckpointLoading(ModelLoader loader, LoadOptions options, int expectedStateDim, CheckpointFiles files, Executor hasher,
            SignatureCheck signatures, PrivateCopies copies) {
        this.signatures = signatures;
        this.copies = copies;
        this.hasher = hasher;
        this.loader = loader;
        this.options = options;
        this.checks = new LoadedModelChecks(expectedStateDim);
        this.digests = new Digests(files);
        this.files = files;
    }

    /** Whether models are loaded with the engine's optimisation on. */
    boolean optimizes() {
        return options.optimize();
    }

    /**
     * Whether the engine's optimiser runs in this load or after the swap: a newer checkpoint that a
     * request waits for loads unoptimised and is optimised again right after ({@link Reoptimiser}).
     */
    enum Optimise { NOW, AFTER_SWAP }

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
     *     served; a pointer object may name it)
     */
    Outcome load(StagedCheckpoint staged, Optional<String> expectedSha256, Optimise optimise) {
        Path file = staged.file();
        LoadedModel model = null;
        FutureTask<Digests.Digest> hashing = null;
        PrivateCopies.Copy copy = null;
        try {
            // The envelope's signature is checked before the engine sees the bytes; the file's digest
            // (from the one hash pass below) is matched against it before the engine sees them too.
            SignatureCheck.Pending signature = signatures.before(staged);
            String jsonText = readSmall(staged.jsonSidecar());
            Sidecars.Json sidecar = jsonText == null ? Sidecars.Json.NONE : Sidecars.json(staged.jsonSidecar().get(), jsonText);
            String declared = readShaSidecar(staged.sha256Sidecar());
            Digests.Digest known = staged.verifiedSha256().isPresent() ? new Digests.Digest(staged.verifiedSha256().get(), staged.ref().size()) : null;
            if (known == null && signatures.verifiesBytes()) {
                // A file that others may write could change between its hash and the engine's read:
                // the engine loads a private copy, hashed as it was written (docs/architecture.md).
                copy = copies.copy(files, file, staged.ref().size(), jsonText);
                known = copy.digest();
            } else if (known == null && (declared != null || expectedSha256.isPresent())) {
                known = digests.sha256(file, staged.ref().size()); // a digest to check: proved before a native parser sees the bytes
            }
            String signer = null;
            if (known != null) {
                Digests.checkDigest(file, staged, declared, expectedSha256, known);
                signer = signature.after(known.sha256());
            } else {
                // Nothing to check against: hashed beside the engine's load (on another loader
                // thread when one is free), so the digest costs the load no time.
                long expectedSize = staged.ref().size();
                hashing = new FutureTask<>(() -> digests.sha256(file, expectedSize));
                try {
                    hasher.execute(hashing);
                } catch (RejectedExecutionException e) {
                    // hashed below, on this thread
                }
            }
            LoadOptions opts = sidecar.stateDim().isPresent() ? options.withStateDim(sidecar.stateDim().getAsInt()) : options;
            opts = opts.withOptimizeLater(optimise == Optimise.AFTER_SWAP);
            Path engineFile = copy != null ? copy.file : file;
            Engines.Loaded loaded;
            try {
                loaded = loader.load(engineFile, opts);
            } catch (ModelLoadException e) {
                throw new Refused(namingTheCheckpoint(e.getMessage(), engineFile, file), e);
            } catch (RuntimeException e) {
                throw new Refused("loading " + file + " failed: " + e, e);
            }
            model = copy != null ? copy.ownedBy(loaded.model()) : loaded.model();
            copy = null; // the model deletes it when it closes
            Digests.Digest digest = known != null ? known : Digests.digestOf(hashing);
            signer = known != null ? signer : signature.after(digest.sha256());
            PolicyHead head = checks.verify(file, model, sidecar);
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
            if (copy != null) {
                copy.delete(); // refused before an engine model owned it
            }
        }
    }

    /** An engine's message about the private copy, as it would read about the checkpoint itself. */
    private static String namingTheCheckpoint(String message, Path engineFile, Path file) {
        return message == null || engineFile.equals(file) ? message : message.replace(engineFile.toString(), file.toString());
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






    static Path sidecarPath(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }


    /** The digest of the {@code .sha256} sidecar in lower case, or null when there is none. */
    private String readShaSidecar(Optional<Path> sidecar) throws IOException, Refused {
        if (sidecar.isEmpty()) {
            return null;
        }
        String text = readSmall(sidecar);
        return text == null ? null : Sidecars.sha256(sidecar.get(), text);
    }

    /** A sidecar's text, or null when it does not exist. Sidecars are small; a huge one is refused. */
    private String readSmall(Optional<Path> sidecar) throws IOException, Refused {
        if (sidecar.isEmpty()) {
            return null;
        }
        Path p = sidecar.get();
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
