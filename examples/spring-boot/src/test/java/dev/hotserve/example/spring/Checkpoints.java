package dev.hotserve.example.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The committed SAC fixtures ({@code hotserve.fixtures}, set by Surefire), published as a trainer
 * would: written under a hidden temporary name with an explicit mtime, then renamed into place.
 * The mtimes rise one second per version and lie an hour back, so no test waits for them to differ
 * or for a settle window.
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

    static Path publish(Path dir, String fixtureName, String target, int version) {
        try {
            return publishBytes(dir, Files.readAllBytes(fixture(fixtureName)), target, version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path publishBytes(Path dir, byte[] bytes, String target, int version) {
        try {
            Path tmp = dir.resolve("." + target + ".tmp");
            Files.write(tmp, bytes);
            Files.setLastModifiedTime(tmp, FileTime.from(BASE.plusSeconds(version)));
            return Files.move(tmp, dir.resolve(target), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A 28-wide state of zeros but the first value. */
    static float[] state(float first) {
        float[] s = new float[28];
        s[0] = first;
        return s;
    }
}
