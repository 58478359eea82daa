package dev.hotserve.core.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a checkpoint in place, not by rename: the file is created (or truncated) and filled in
 * {@code chunks} pieces with a pause after each, like a trainer that {@code torch.save}s straight to
 * the final name over a slow disk. The pause is the writer's pace, not a synchronisation.
 */
public final class SlowCheckpointWriter {

    private final Path file;
    private final byte[] bytes;
    private final int chunks;
    private final Duration pause;

    public SlowCheckpointWriter(Path file, byte[] bytes, int chunks, Duration pause) {
        if (chunks < 1 || chunks > bytes.length) {
            throw new IllegalArgumentException("chunks must be in 1.." + bytes.length + ", was " + chunks);
        }
        this.file = file;
        this.bytes = bytes.clone();
        this.chunks = chunks;
        this.pause = pause;
    }

    /** Writes on a new thread; the future completes when the last byte is written and the file closed. */
    public CompletableFuture<Path> start() {
        CompletableFuture<Path> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                write();
                done.complete(file);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "slow-writer-" + file.getFileName());
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** Writes on this thread. */
    public void write() throws InterruptedException {
        try (OutputStream out = Files.newOutputStream(file)) {
            int written = 0;
            for (int c = 0; c < chunks; c++) {
                int end = (int) ((long) bytes.length * (c + 1) / chunks);
                out.write(bytes, written, end - written);
                out.flush();
                written = end;
                if (c < chunks - 1) {
                    Thread.sleep(pause);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
