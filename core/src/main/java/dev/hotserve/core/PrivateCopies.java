package dev.hotserve.core;

import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import dev.hotserve.source.CheckpointFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a signed load puts the bytes it verifies, so that the bytes verified are the bytes the
 * engine loads: a checkpoint in a folder that others write (a training job's output) can be
 * rewritten between its hash and the engine's own read, but a copy in a folder only hotserve may
 * open cannot. The copy is hashed as it is written, in the one pass that reads the source, and the
 * engine is then given the copy (SECURITY.md, "Signed checkpoints").
 *
 * <p>Each copy gets its own folder, made with permissions {@code rwx------} under {@link #parent()}
 * (the runtime's; default {@code java.io.tmpdir}, which must be sticky or written only by
 * hotserve's user, as {@code /tmp} is). The checkpoint keeps its file name there, with its
 * {@code .json} sidecar beside it, which an engine may read itself. The folder is deleted when the
 * model loaded from it closes, or at once when the load fails.
 */
final class PrivateCopies {

    private static final System.Logger LOG = System.getLogger(PrivateCopies.class.getName());
    static final String PREFIX = "hotserve-verified-";
    private static final int BUFFER = 256 * 1024;

    private final Path parent;

    PrivateCopies(Path parent) {
        this.parent = Objects.requireNonNull(parent, "parent").toAbsolutePath();
    }

    Path parent() {
        return parent;
    }

    /**
     * Copies {@code file} (read through {@code files}) into a new private folder, hashing the bytes
     * as they are written; {@code jsonSidecar}, the sidecar text the load already read (or null),
     * is written beside it, so the engine reads the same text the core checked.
     *
     * @param expectedSize the byte count the file must have (-1: any)
     */
    Copy copy(CheckpointFiles files, Path file, long expectedSize, String jsonSidecar) throws IOException, CheckpointLoading.Refused {
        Path dir = Files.createTempDirectory(parent, PREFIX, ownerOnly("rwx------"));
        Copy copy = new Copy(dir, dir.resolve(file.getFileName().toString()));
        boolean done = false;
        try {
            MessageDigest md = sha256();
            long total = 0;
            byte[] buf = new byte[BUFFER];
            try (InputStream in = files.open(file);
                    OutputStream out = Channels.newOutputStream(Files.newByteChannel(copy.file,
                            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly("rw-------")))) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                    out.write(buf, 0, n);
                    total += n;
                }
            }
            if (expectedSize >= 0 && total != expectedSize) {
                throw new CheckpointLoading.Refused(file + " changed while it was being read: " + total + " bytes read, " + expectedSize + " expected");
            }
            if (jsonSidecar != null) {
                Files.write(CheckpointLoading.sidecarPath(copy.file, ".json"), jsonSidecar.getBytes(StandardCharsets.UTF_8),
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            copy.digest = new Digests.Digest(HexFormat.of().formatHex(md.digest()), total);
            done = true;
            return copy;
        } finally {
            if (!done) {
                copy.delete();
            }
        }
    }

    private static FileAttribute<?>[] ownerOnly(String perms) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0]; // elsewhere the folder inherits its parent's access list
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms))};
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    /** One private copy: its folder, the checkpoint in it and the digest of the bytes written. */
    static final class Copy {
        final Path dir;
        final Path file;
        private Digests.Digest digest;
        private final AtomicBoolean deleted = new AtomicBoolean();

        private Copy(Path dir, Path file) {
            this.dir = dir;
            this.file = file;
        }

        Digests.Digest digest() {
            return digest;
        }

        /** {@code model}, loaded from this copy, made to delete the copy when it closes. */
        LoadedModel ownedBy(LoadedModel model) {
            return new CopyOwningModel(model, this);
        }

        /** Deletes the folder and what is in it; once, and never throws (a leftover is logged). */
        void delete() {
            if (!deleted.compareAndSet(false, true)) {
                return;
            }
            try {
                for (Path p : List.of(CheckpointLoading.sidecarPath(file, ".json"), file, dir)) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot delete the private copy " + dir + " of a signed checkpoint", e);
            }
        }
    }

    /** A model that deletes its private copy after the engine's model is closed. */
    private record CopyOwningModel(LoadedModel model, Copy copy) implements LoadedModel {
        @Override
        public ModelSignature signature() {
            return model.signature();
        }

        @Override
        public List<Tensor> run(List<Tensor> inputs) {
            return model.run(inputs);
        }

        @Override
        public float[][] run(float[] input, int rows) {
            return model.run(input, rows);
        }

        @Override
        public boolean optimized() {
            return model.optimized();
        }

        @Override
        public void close() {
            try {
                model.close();
            } finally {
                copy.delete();
            }
        }
    }
}
