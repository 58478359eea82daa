package dev.hotserve.server.config;

import dev.hotserve.source.s3.S3Location;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** Where a model's checkpoints come from (server/README.md, "Configuration"). */
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

    /**
     * An S3 prefix (README, "Run a fleet"): its {@code LATEST} pointer, else the newest key matching the glob,
     * staged into {@code cacheDir}, this model's own folder.
     *
     * @param endpoint an S3-compatible store; empty: AWS
     * @param keepStaged staged checkpoints kept for rollback
     */
    record S3(S3Location location, Optional<URI> endpoint, Path cacheDir, Optional<String> glob, int keepStaged) implements ModelSource {
        public S3 {
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(cacheDir, "cacheDir");
            Objects.requireNonNull(glob, "glob");
            if (keepStaged < 1) {
                throw new IllegalArgumentException("cache_keep must be at least 1, was " + keepStaged);
            }
        }

        @Override
        public String toString() {
            return location + glob.map(g -> " (" + g + ")").orElse("") + endpoint.map(e -> " at " + e).orElse("") + ", cache " + cacheDir;
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
