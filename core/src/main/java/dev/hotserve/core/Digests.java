package dev.hotserve.core;

import dev.hotserve.source.CheckpointFiles;
import dev.hotserve.source.StagedCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The sha256 of a checkpoint's bytes, read once: the digest a version reports is the digest of
 * the bytes hashed, and a file that changes while it is read is refused by its byte count.
 */
final class Digests {

    /** A file's sha256 and the bytes hashed. */
    record Digest(String sha256, long size) {}

    private final CheckpointFiles files;

    Digests(CheckpointFiles files) {
        this.files = files;
    }

    /** Hashes {@code file}; {@code expectedSize}: the byte count it must have (-1: any). */
    Digest sha256(Path file, long expectedSize) throws IOException, CheckpointLoading.Refused {
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
            throw new CheckpointLoading.Refused(file + " changed while it was being read: " + total + " bytes read, " + expectedSize + " expected");
        }
        return new Digest(HexFormat.of().formatHex(md.digest()), total);
    }

    /** Runs the hash here unless a loader thread took it, and waits for it. */
    static Digest digestOf(FutureTask<Digest> hashing) throws IOException, CheckpointLoading.Refused {
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
                case CheckpointLoading.Refused r -> throw r;
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

    static void checkDigest(Path file, StagedCheckpoint staged, String declared, Optional<String> expectedSha256, Digest digest)
            throws CheckpointLoading.Refused {
        String sha = digest.sha256();
        if (declared != null && !declared.equals(sha)) {
            throw new CheckpointLoading.Refused("sha256 of " + file + " is " + sha + " but " + staged.sha256Sidecar().get() + " says " + declared);
        }
        if (expectedSha256.isPresent() && !expectedSha256.get().equalsIgnoreCase(sha)) {
            throw new CheckpointLoading.Refused(file + " changed since it was loaded, or is not the expected checkpoint: sha256 " + sha + ", expected "
                    + expectedSha256.get().toLowerCase(Locale.ROOT));
        }
    }
}
