package dev.hotserve.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.signing.SignatureMode;
import dev.hotserve.source.s3.S3Location;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The served models and each one's settings. Which checkpoints a model follows:
 * {@code HOTSERVE_MODEL} (a file) over {@code HOTSERVE_SOURCE} (an {@code s3://bucket/prefix/})
 * over {@code HOTSERVE_MODEL_DIR} (a directory) over the config file's {@code models}; with none
 * of them, {@code ./models/<name>/} when it exists, else the bundled demo model.
 */
final class ModelEntries {

    /** An object store is polled, never watched, so a model following one polls unless told how often. */
    static final Duration S3_POLL_INTERVAL = Duration.ofSeconds(2);

    private final Sources sources;

    ModelEntries(Sources sources) {
        this.sources = sources;
    }

    List<ModelConfig> all() throws ConfigException {
        Optional<Value> explicit = sources.launch(Setting.MODEL);
        Optional<Value> dir = sources.launch(Setting.MODEL_DIR);
        String name = Setting.MODEL_NAME.read(sources.launch(Setting.MODEL_NAME), String.class);
        Optional<String> glob = Setting.MODEL_GLOB.readOptional(sources.launch(Setting.MODEL_GLOB), String.class);
        Optional<Value> remote = sources.launch(Setting.SOURCE);
        if (explicit.isPresent()) {
            return List.of(model(name, new ModelSource.File(explicit.get().path()), null));
        }
        if (remote.isPresent()) {
            return List.of(model(name, s3(remote.get(), name, glob, null), null));
        }
        if (dir.isPresent()) {
            return List.of(model(name, new ModelSource.Directory(dir.get().path(), glob), null));
        }
        ConfigFile file = sources.file();
        if (!file.models().isEmpty()) {
            List<ModelConfig> out = new ArrayList<>();
            for (int i = 0; i < file.models().size(); i++) {
                out.add(entry(file.models().get(i), file.name() + ": models[" + i + "]"));
            }
            return out;
        }
        Path defaultDir = sources.workDir().resolve("models").resolve(name);
        ModelSource source = Files.isDirectory(defaultDir) ? new ModelSource.Directory(defaultDir, glob) : new ModelSource.Demo();
        return List.of(model(name, source, null));
    }

    /** One entry of {@code models} (or one given at run time): its name, where its checkpoints come from, its settings. */
    ModelConfig entry(JsonNode node, String where) throws ConfigException {
        ConfigFile file = sources.file();
        String modelName = ConfigFile.text(node, "name", where).map(String::trim)
                .orElseThrow(() -> new ConfigException(where + " needs a name"));
        if (!ModelName.isValid(modelName)) {
            throw new ConfigException(where + ": " + ModelName.refusal(modelName));
        }
        Optional<String> path = ConfigFile.text(node, "path", where);
        Optional<String> mdir = ConfigFile.text(node, "dir", where);
        Optional<String> mglob = ConfigFile.text(node, "glob", where);
        Optional<String> msource = ConfigFile.text(node, "source", where);
        if (path.isPresent() && mdir.isPresent()) {
            throw new ConfigException(where + " sets both path and dir; give one");
        }
        if (msource.isPresent() && (path.isPresent() || mdir.isPresent())) {
            throw new ConfigException(where + " sets both source and " + (path.isPresent() ? "path" : "dir") + "; give one");
        }
        ModelSource source;
        if (msource.isPresent()) {
            source = s3(new Value(msource.get(), file.name() + ": model " + modelName + " source", file.dir()), modelName, mglob, node);
        } else if (path.isPresent()) {
            source = new ModelSource.File(inFile(path.get()));
        } else {
            source = new ModelSource.Directory(mdir.isPresent() ? inFile(mdir.get()) : sources.workDir().resolve("models").resolve(modelName), mglob);
        }
        return model(modelName, source, node);
    }

    private Path inFile(String raw) {
        return new Value(raw, sources.file().name(), sources.file().dir()).path();
    }

    private ModelConfig model(String name, ModelSource source, JsonNode node) throws ConfigException {
        ModelValues values = ModelValues.read(sources, node);
        if (source instanceof ModelSource.S3 s3) {
            Optional<Value> poll = sources.model(Setting.POLL_INTERVAL, node);
            if (poll.isEmpty()) {
                values = values.with(Setting.POLL_INTERVAL, S3_POLL_INTERVAL);
            } else if (values.get(Setting.POLL_INTERVAL, Duration.class).isZero()) {
                throw new ConfigException(poll.get().origin() + " must be more than 0 for model " + name + ", whose checkpoints are in "
                        + s3.location() + ": an object store is only ever polled");
            }
        }
        if (source instanceof ModelSource.Directory d && d.glob().isPresent()) {
            checkGlob(d.glob().get(), name);
        }
        if (source instanceof ModelSource.S3 s && s.glob().isPresent()) {
            checkGlob(s.glob().get(), name);
        }
        boolean noKeys = values.find(Setting.TRUSTED_KEYS, List.class).map(List::isEmpty).orElse(true);
        if (values.get(Setting.SIGNATURES, SignatureMode.class) == SignatureMode.ENFORCE && noKeys) {
            throw new ConfigException("model " + name + ": signatures enforce needs trusted keys: set HOTSERVE_TRUSTED_KEYS"
                    + " (--trusted-keys, or trusted_keys in the config file) to PEM files of public keys or CA certificates");
        }
        try {
            return new ModelConfig(name, source, values, Rollouts.read(sources, name, source, node));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    /**
     * An S3 source: the {@code s3://} URI, its endpoint ({@code s3_endpoint}), and this model's
     * folder under {@code cache_dir}.
     */
    private ModelSource.S3 s3(Value uri, String modelName, Optional<String> glob, JsonNode node) throws ConfigException {
        S3Location location = Parsers.S3_LOCATION.parse(uri);
        Optional<URI> endpoint = Setting.S3_ENDPOINT.readOptional(sources.model(Setting.S3_ENDPOINT, node), URI.class);
        Path cacheRoot = Setting.CACHE_DIR.read(sources.model(Setting.CACHE_DIR, node), Path.class);
        int keep = Setting.CACHE_KEEP.read(sources.model(Setting.CACHE_KEEP, node), Integer.class);
        return new ModelSource.S3(location, endpoint, cacheRoot.resolve(modelName), glob, keep);
    }

    private static void checkGlob(String glob, String model) throws ConfigException {
        try {
            FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("the glob of model " + model + " is not a valid glob, was '" + glob + "' (" + e.getMessage() + ")", e);
        }
    }
}
