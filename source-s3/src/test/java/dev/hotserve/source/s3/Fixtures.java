package dev.hotserve.source.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The committed SAC checkpoints ({@code hotserve.fixtures}, set by surefire) as bytes, and their digests. */
public final class Fixtures {

    private Fixtures() {}

    public static byte[] bytes(String name) {
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

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
