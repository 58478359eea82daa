package dev.hotserve.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** Where a model's checkpoints come from (SPEC §2). */
public sealed interface ModelSource {

    /** One explicit file; missing means "no checkpoint yet". */
    record File(Path path) implements ModelSource {
        public File {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String toString() {
            return "file " + path;
        }
    }

    /** The newest matching file of a directory; an empty glob means the core's default. */
    record Directory(Path dir, Optional<String> glob) implements ModelSource {
        public Directory {
            Objects.requireNonNull(dir, "dir");
            Objects.requireNonNull(glob, "glob");
        }

        @Override
        public String toString() {
            return "directory " + dir + glob.map(g -> " (" + g + ")").orElse("");
        }
    }

    /** The demo SAC model bundled in the server jar, copied to a temporary file at start-up. */
    record Demo() implements ModelSource {
        @Override
        public String toString() {
            return "bundled demo model";
        }
    }
}
