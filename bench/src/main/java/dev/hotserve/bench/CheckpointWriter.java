package dev.hotserve.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The writer of issue 5 item 3: publishes {@code --count} new checkpoints into {@code --dir},
 * evenly spread over {@code --duration-ms}, alternating two ways a training job writes:
 * <ul>
 *   <li>even indices by rename: the bytes go to a hidden {@code .tmp} file first, then one atomic
 *       rename makes the finished file appear under its final name;
 *   <li>odd indices in place: the final name is opened and written in {@code --chunk} byte pieces
 *       with a pause between them, so a half-written checkpoint is visible for a while and the
 *       server must never serve it.
 * </ul>
 * Sources ({@code --sources a,b,c}) are used in turn so consecutive checkpoints differ. Names are
 * {@code model_<index>.onnx} with the index zero-padded, starting at {@code --start}, so a later
 * file also wins a tie on mtime. Prints one JSON line with what it did.
 */
public final class CheckpointWriter {

    private CheckpointWriter() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Path dir = Path.of(args.get("dir"));
        int count = args.getInt("count", 100);
        long durationMs = args.getLong("duration-ms", 30_000);
        int start = args.getInt("start", 1);
        int chunk = args.getInt("chunk", 64 * 1024);
        long chunkPauseMs = args.getLong("chunk-pause-ms", 3);
        String ext = args.get("ext", "onnx");
        List<byte[]> sources = new ArrayList<>();
        for (String s : args.get("sources").split(",")) {
            sources.add(Files.readAllBytes(Path.of(s)));
        }

        // Start at a given wall-clock instant: the harness launches this JVM early and starts the
        // load generator at that instant, so the JVM's own start-up (class loading, JIT) is over
        // before the measured run and does not pass for a cost of the swaps.
        long startAt = args.getLong("start-at-epoch-ms", 0);
        long waitMs = startAt - System.currentTimeMillis();
        if (waitMs > 0) {
            Thread.sleep(waitMs);
        }
        long period = Math.max(1, durationMs * 1_000_000L / Math.max(1, count));
        long t0 = System.nanoTime();
        int renamed = 0;
        int inPlace = 0;
        long maxLateNs = 0;
        for (int i = 0; i < count; i++) {
            long due = t0 + i * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
            } else {
                maxLateNs = Math.max(maxLateNs, -wait);
            }
            int index = start + i;
            byte[] bytes = sources.get(index % sources.size());
            Path target = dir.resolve(String.format(Locale.ROOT, "model_%06d.%s", index, ext));
            if (i % 2 == 0) {
                Path tmp = dir.resolve(String.format(Locale.ROOT, ".model_%06d.%s.tmp", index, ext));
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                renamed++;
            } else {
                writeInPlace(target, bytes, chunk, chunkPauseMs);
                inPlace++;
            }
        }
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000L;
        System.out.printf(Locale.ROOT,
                "{\"published\":%d,\"renamed\":%d,\"in_place\":%d,\"elapsed_ms\":%d,\"max_late_ms\":%.1f,\"first\":%d,\"last\":%d}%n",
                renamed + inPlace, renamed, inPlace, elapsedMs, maxLateNs / 1e6, start, start + count - 1);
    }

    /** Writes the final name directly, in pieces with pauses: the non-atomic case a server must survive. */
    static void writeInPlace(Path target, byte[] bytes, int chunk, long pauseMs) throws IOException, InterruptedException {
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (int off = 0; off < bytes.length; off += chunk) {
                out.write(bytes, off, Math.min(chunk, bytes.length - off));
                out.flush();
                if (off + chunk < bytes.length && pauseMs > 0) {
                    Thread.sleep(pauseMs);
                }
            }
        }
    }
}
