package dev.hotserve.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The committed SAC fixtures ({@code hotserve.fixtures}), and publishing them as a trainer would:
 * written under a temporary name, given an explicit mtime, then renamed into place atomically.
 * Explicit mtimes strictly increase per version, so no test sleeps to make them differ; they lie
 * an hour back, older than any settle window, so a load never waits.
 */
final class Checkpoints {

    private static final Instant BASE = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    private Checkpoints() {}

    static Path fixture(String name) {
        String dir = System.getProperty("hotserve.fixtures");
        if (dir == null) {
            throw new IllegalStateException("system property hotserve.fixtures is not set (surefire sets it)");
        }
        Path p = Path.of(dir, name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing fixture " + p);
        }
        return p;
    }

    /** mtime of version {@code n}: one second per version. */
    static Instant mtime(int n) {
        return BASE.plusSeconds(n);
    }

    /** Publishes fixture {@code fixtureName} as {@code dir/target} with the mtime of version {@code version}. */
    static Path publish(Path dir, String fixtureName, String target, int version) {
        return publishBytes(dir, read(fixture(fixtureName)), target, version);
    }

    static Path publishBytes(Path dir, byte[] bytes, String target, int version) {
        try {
            Path tmp = dir.resolve("." + target + ".tmp");
            Files.write(tmp, bytes);
            Files.setLastModifiedTime(tmp, FileTime.from(mtime(version)));
            return Files.move(tmp, dir.resolve(target), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
