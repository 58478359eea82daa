package dev.hotserve.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Locale;

/**
 * Fills {@code --dir} with {@code --count} old checkpoints for issue 5 item 4: small files named
 * {@code model_old_<i>.onnx} with mtimes in 2020, one second apart. They match the checkpoint
 * glob but are never the newest, so a server that resolves by directory must step over them
 * without reading them; only their number is under test. Done in Java because 10,000
 * {@code touch} processes would take longer than the measurement.
 */
public final class OldCheckpoints {

    private OldCheckpoints() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Path dir = Path.of(args.get("dir"));
        int count = args.getInt("count", 10_000);
        Files.createDirectories(dir);
        byte[] junk = "not a model: an old checkpoint stand-in\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Instant base = Instant.parse("2020-01-01T00:00:00Z");
        for (int i = 0; i < count; i++) {
            Path f = dir.resolve(String.format(Locale.ROOT, "model_old_%05d.onnx", i));
            Files.write(f, junk);
            Files.setLastModifiedTime(f, FileTime.from(base.plusSeconds(i)));
        }
        System.out.println("{\"old_checkpoints\":" + count + "}");
    }
}
