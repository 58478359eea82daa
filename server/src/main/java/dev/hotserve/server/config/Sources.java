package dev.hotserve.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where a value may come from, in order: command-line flag, environment variable, config file
 * (a model's own entry before the file's top level). Each value found carries its origin and the
 * directory its relative paths are taken from; a blank environment variable counts as unset.
 */
final class Sources {

    private final Map<Setting, String> flags;
    private final Map<String, String> env;
    private final Path workDir;
    private final ConfigFile file;

    /**
     * @param workDir what relative paths given by flags or the environment are resolved against
     * @param file the config file, or {@link ConfigFile#none}
     */
    Sources(Map<Setting, String> flags, Map<String, String> env, Path workDir, ConfigFile file) {
        this.flags = Map.copyOf(flags);
        this.env = Map.copyOf(env);
        this.workDir = workDir;
        this.file = file;
    }

    Path workDir() {
        return workDir;
    }

    ConfigFile file() {
        return file;
    }

    /** The same flags and environment, reading this config file. */
    Sources withFile(ConfigFile f) {
        return new Sources(flags, env, workDir, f);
    }

    /** Flag, else environment variable. */
    Optional<Value> launch(Setting s) {
        String flag = flags.get(s);
        if (flag != null) {
            return Optional.of(new Value(flag, s.flag(), workDir));
        }
        String e = env.get(s.env());
        if (e != null && !e.isBlank()) {
            return Optional.of(new Value(e, s.env(), workDir));
        }
        return Optional.empty();
    }

    /** Flag, else environment variable, else the file's top level. */
    Optional<Value> server(Setting s) throws ConfigException {
        Optional<Value> v = launch(s);
        if (v.isPresent() || s.fileKey() == null || file.root() == null) {
            return v;
        }
        return ConfigFile.text(file.root(), s.fileKey(), file.name()).map(raw -> new Value(raw, file.name() + ": " + s.fileKey(), file.dir()));
    }

    /** Flag, else environment variable, else the model's entry (null: none), else the file's top level. */
    Optional<Value> model(Setting s, JsonNode entry) throws ConfigException {
        Optional<Value> v = launch(s);
        if (v.isPresent()) {
            return v;
        }
        if (entry != null) {
            Optional<String> m = ConfigFile.text(entry, s.fileKey(), file.name() + ": models[..]");
            if (m.isPresent()) {
                return Optional.of(new Value(m.get(), file.name() + ": model " + entry.path("name").asText() + " " + s.fileKey(), file.dir()));
            }
        }
        return server(s);
    }

    /**
     * Environment variable, else the key of the model's {@code rollout} object (null or a bare mode: none).
     *
     * @param where how messages name the object ({@code config file x: model sac rollout})
     */
    Optional<Value> rollout(Setting s, JsonNode rollout, String where) throws ConfigException {
        Optional<Value> v = launch(s);
        if (v.isPresent() || rollout == null || !rollout.isObject()) {
            return v;
        }
        return ConfigFile.text(rollout, s.fileKey(), where).map(raw -> new Value(raw, where + "." + s.fileKey(), file.dir()));
    }
}
