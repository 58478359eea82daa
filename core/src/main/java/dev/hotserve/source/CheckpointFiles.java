package dev.hotserve.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The file-system seam of the core: every stat, directory listing and read goes through it, so
 * tests can count listings (resolution must not cost O(files) per request) or inject failures.
 */
public interface CheckpointFiles {

    /** Attributes of a path, following links. */
    record Stat(Instant mtime, long size, boolean directory) {}

    /** Attributes of {@code path}, or null when it does not exist. */
    Stat stat(Path path) throws IOException;

    /**
     * Whether {@code path} exists, following links. Sidecars are asked for on every load and are
     * mostly absent: the system implementation asks without building an exception for "no".
     */
    default boolean exists(Path path) throws IOException {
        return stat(path) != null;
    }

    /** The entries of a directory (full paths), in no particular order. */
    List<Path> list(Path directory) throws IOException;

    /** Opens a file for reading. */
    InputStream open(Path file) throws IOException;

    /** The implementation over {@link java.nio.file.Files}. */
    static CheckpointFiles system() {
        return new SystemFiles();
    }

    /** The default, stateless. */
    final class SystemFiles implements CheckpointFiles {
        private SystemFiles() {}

        @Override
        public Stat stat(Path path) throws IOException {
            try {
                BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
                return new Stat(a.lastModifiedTime().toInstant(), a.size(), a.isDirectory());
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        @Override
        public boolean exists(Path path) {
            return Files.exists(path);
        }

        @Override
        public List<Path> list(Path directory) throws IOException {
            List<Path> out = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory)) {
                ds.forEach(out::add);
            }
            return out;
        }

        @Override
        public InputStream open(Path file) throws IOException {
            return Files.newInputStream(file);
        }

        @Override
        public String toString() {
            return "CheckpointFiles.system()";
        }
    }
}
