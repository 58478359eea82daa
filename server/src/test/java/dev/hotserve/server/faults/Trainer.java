package dev.hotserve.server.faults;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/**
 * Publishes checkpoints into a directory the two ways trainers do: whole under a hidden name and
 * renamed into place ({@link Write#RENAME}), or written into the final name a chunk at a time
 * ({@link Write#IN_PLACE}), so a reader can see it half written. Either way the file ends with an
 * explicit mtime, one second per version an hour back (older than any settle window), so
 * versions order by their number and no test waits for the clock.
 */
final class Trainer {

    /** How a checkpoint reaches its final name. */
    enum Write {
        RENAME,
        IN_PLACE
    }

    private static final Instant BASE = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    /** Chunks of an in-place write, and the pause between them: shorter than the 50 ms settle window, as a steady writer's are. */
    private static final int CHUNK = 32 * 1024;
    private static final long PAUSE_MS = 5;

    private Trainer() {}

    static Instant mtime(int version) {
        return BASE.plusSeconds(version);
    }

    static byte[] fixture(String name) {
        String dir = System.getProperty("hotserve.fixtures");
        if (dir == null) {
            throw new IllegalStateException("system property hotserve.fixtures is not set (surefire sets it)");
        }
        try {
            return Files.readAllBytes(Path.of(dir, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} as {@code dir/target} the given way, with the mtime of {@code version}. */
    static Path publish(Path dir, String target, byte[] bytes, int version, Write how) {
        Path file = dir.resolve(target);
        try {
            switch (how) {
                case RENAME -> {
                    Path tmp = dir.resolve("." + target + ".tmp");
                    Files.write(tmp, bytes);
                    Files.setLastModifiedTime(tmp, FileTime.from(mtime(version)));
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
                case IN_PLACE -> {
                    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                            StandardOpenOption.WRITE)) {
                        for (int at = 0; at < bytes.length; at += CHUNK) {
                            out.write(bytes, at, Math.min(CHUNK, bytes.length - at));
                            out.flush();
                            Thread.sleep(PAUSE_MS); // the writer's own pace, not synchronisation
                        }
                    }
                    Files.setLastModifiedTime(file, FileTime.from(mtime(version)));
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) {
        try {
            return sha256(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A predict body: a state of 28 values. */
    static String predictBody(double value) {
        StringBuilder b = new StringBuilder("{\"state\":[");
        for (int i = 0; i < 28; i++) {
            b.append(i == 0 ? "" : ",").append(value);
        }
        return b.append("]}").toString();
    }
}
