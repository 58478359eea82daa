package dev.hotserve.server.faults;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real size-limited {@code tmpfs} mounted on a test's folder, so that a write past its size
 * fails as a full disk does ({@code ENOSPC}). Mounting needs root (CI runs as root): where it is
 * refused the test is skipped with the reason, except under {@code CI=true}, where a skipped
 * fault test would hide a broken promise, so it fails.
 */
final class Tmpfs implements AutoCloseable {

    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code size} (as mount(8) spells it: {@code 1m}) on {@code dir}, creating it. */
    static Tmpfs mount(Path dir, String size) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Result r = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", dir.toString()));
        if (r.exit() != 0) {
            String why = "cannot mount a tmpfs on " + dir + " (exit " + r.exit() + ": " + r.output().strip()
                    + "); the full-disk tests need root or CAP_SYS_ADMIN";
            if ("true".equals(System.getenv("CI"))) {
                fail(why + " (CI=true: not skipped)");
            }
            Assumptions.abort(why);
        }
        return new Tmpfs(dir);
    }

    Path dir() {
        return dir;
    }

    long usable() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code name} until at most {@code leave} bytes are left free (all of it when 0: the
     * write runs until the disk refuses).
     */
    Path fill(String name, long leave) {
        Path filler = dir.resolve(name);
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (usable() > leave) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            // ENOSPC: as full as it gets
        }
        return filler;
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(1, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    @Override
    public void close() {
        Result r = run(List.of("umount", dir.toString()));
        if (r.exit() != 0) {
            // Still busy (a process not yet gone): detach it now, it goes when the last user does.
            run(List.of("umount", "-l", dir.toString()));
        }
    }
}
