package dev.hotserve.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The bytes of a {@link FakeEngine} checkpoint: a one-line header
 * {@code HSFAKE1 state=4 action=1 bias=1.0 nan=false payload=N} and {@code N} payload bytes
 * standing for the weights. {@code bias} tells tests which file answered; {@code gain} (in the
 * header only when it is not 1) scales the state's part of the action, so two checkpoints of
 * different gains differ by an amount that depends on the state.
 */
public record FakeCheckpoint(int stateDim, int actionDim, float bias, boolean nan, int payload, float gain) {

    public static final String MAGIC = "HSFAKE1";

    public FakeCheckpoint(int stateDim, int actionDim, float bias, boolean nan, int payload) {
        this(stateDim, actionDim, bias, nan, payload, 1f);
    }

    /** A 4-input, 1-action checkpoint answering {@code bias} for a zero state, with a small payload. */
    public static FakeCheckpoint of(float bias) {
        return new FakeCheckpoint(4, 1, bias, false, 256);
    }

    public FakeCheckpoint withStateDim(int dim) {
        return new FakeCheckpoint(dim, actionDim, bias, nan, payload, gain);
    }

    public FakeCheckpoint withNan() {
        return new FakeCheckpoint(stateDim, actionDim, bias, true, payload, gain);
    }

    public FakeCheckpoint withPayload(int bytes) {
        return new FakeCheckpoint(stateDim, actionDim, bias, nan, bytes, gain);
    }

    /** Action {@code j} of a row becomes {@code bias + j + gain * sum(row) / 1000}. */
    public FakeCheckpoint withGain(float g) {
        return new FakeCheckpoint(stateDim, actionDim, bias, nan, payload, g);
    }

    public byte[] bytes() {
        byte[] header = (MAGIC + " state=" + stateDim + " action=" + actionDim + " bias=" + bias + " nan=" + nan
                + (gain != 1f ? " gain=" + gain : "") + " payload=" + payload + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(header, header.length + payload);
        for (int i = 0; i < payload; i++) {
            out[header.length + i] = (byte) ('a' + (i % 26));
        }
        return out;
    }

    /** Writes the checkpoint to a temporary name and renames it in, as a careful trainer does. */
    public Path writeTo(Path file) {
        return writeTo(file, null);
    }

    /**
     * Like {@link #writeTo(Path)}, with the file's mtime set to {@code mtime} before the rename (null:
     * leave it). An mtime in the past makes the file settled at once and sidesteps coarse timestamps.
     */
    public Path writeTo(Path file, Instant mtime) {
        return writeBytes(file, bytes(), mtime);
    }

    public static Path writeBytes(Path file, byte[] bytes, Instant mtime) {
        try {
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            if (mtime != null) {
                Files.setLastModifiedTime(tmp, FileTime.from(mtime));
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a {@code <file>.sha256} sidecar in sha256sum format for {@code bytes}. */
    public static void writeSha256Sidecar(Path file, byte[] bytes) {
        try {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            Files.writeString(file.resolveSibling(file.getFileName() + ".sha256"), hex + "  " + file.getFileName() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
