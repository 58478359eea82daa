package dev.hotserve.server.config;

import java.nio.file.Path;

/**
 * One raw value as a source gave it, with the words that say where it came from
 * ({@code HOTSERVE_PORT}, {@code --port}, {@code config file /etc/hotserve.yaml: port}) so that a
 * refusal can always name the place to fix, and the directory a relative path in it is resolved
 * against (the working directory for flags and the environment, the file's own for the file).
 */
public record Value(String raw, String origin, Path base) {

    /** {@link #raw()} as a path: {@code ~/} is the user's home, a relative path is taken from {@link #base()}. */
    public Path path() {
        return path(raw);
    }

    /** One part of {@link #raw()} (a list item) as a path, resolved as {@link #path()} is. */
    Path path(String part) {
        String s = part.trim();
        if (s.startsWith("~/")) {
            s = System.getProperty("user.home") + s.substring(1);
        }
        return base.resolve(s).toAbsolutePath().normalize();
    }
}
