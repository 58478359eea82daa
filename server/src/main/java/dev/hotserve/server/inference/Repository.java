package dev.hotserve.server.inference;

import dev.hotserve.core.ModelVersion;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.server.config.ConfigException;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.ModelConfig;
import dev.hotserve.server.config.ModelName;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Triton's model repository extension, the same over REST and gRPC: the index of the models, and
 * models loaded, replaced and unloaded at run time. Who may call it (the admin key) is each front
 * end's auth stage; what a load may name is decided here.
 */
public final class Repository {

    /** A model's state in the index. */
    public enum State {
        READY,
        UNAVAILABLE,
        LOADING
    }

    /** One model of the index; {@code version} is what serves, when something does. */
    public record Entry(String name, Optional<String> version, State state, String reason) {}

    private final ModelRegistry registry;
    private final Path workDir;
    /**
     * Whether a load may carry a config entry. An entry names a directory, a file or an S3 prefix
     * to load from, so with no key set (every route open) no client may name one (SECURITY.md;
     * TorchServe's ShellTorch fix turned its model API off by default for the same reason).
     */
    private final boolean configFromClients;

    /**
     * @param workDir where a config entry's relative paths are resolved
     * @param configFromClients whether a load may carry a config entry: only where a key is set
     */
    public Repository(ModelRegistry registry, Path workDir, boolean configFromClients) {
        this.registry = registry;
        this.workDir = workDir;
        this.configFromClients = configFromClients;
    }

    public ModelRegistry registry() {
        return registry;
    }

    /** Every served model, by name. */
    public List<Entry> index() {
        List<Entry> entries = new ArrayList<>();
        for (ServedModel m : registry.all()) {
            ModelVersion v = m.model().current().orElse(null);
            if (v != null) {
                entries.add(new Entry(m.name(), Optional.of(m.text(v).name()), State.READY, ""));
            } else {
                String reason = m.model().status().lastError().map(f -> "the last load failed: " + f.reason())
                        .orElse("no checkpoint loaded yet from " + m.model().status().source());
                entries.add(new Entry(m.name(), Optional.empty(), registry.loading(m.name()) ? State.LOADING : State.UNAVAILABLE, reason));
            }
        }
        return entries;
    }

    /**
     * Adds or replaces the model with the config entry given; without one, rebuilds it from its
     * current config. Returns once the new model has tried its first load.
     *
     * @param configJson one model entry of the config file, as JSON
     * @throws InvalidInputException for a name no model may have, an entry the config refuses, or
     *     no entry for a model that is not served
     * @throws LoadForbiddenException for an entry while no key is set
     */
    public ServedModel load(String name, Optional<String> configJson) {
        checkName(name);
        ModelConfig config;
        if (configJson.isPresent()) {
            if (!configFromClients) {
                throw new LoadForbiddenException("a load with a config entry names a path or a bucket to load from, which no client may do"
                        + " while every route is open; set HOTSERVE_ADMIN_KEY (then send it as the bearer token), or load the models of"
                        + " the config file by name with an empty body");
            }
            try {
                config = ConfigLoader.modelEntry(name, configJson.get(), workDir);
            } catch (ConfigException e) {
                throw new InvalidInputException("config", e.getMessage());
            }
        } else {
            config = registry.find(name).flatMap(ServedModel::config).orElseThrow(() -> new InvalidInputException("config", "model '" + name
                    + "' is not served, so its config must be given: {\"parameters\": {\"config\": \"{\\\"dir\\\": \\\"...\\\"}\"}}"));
        }
        return registry.load(config);
    }

    /**
     * Before anything else of a load is read: the name is refused before a body is parsed or a
     * path built from it.
     *
     * @throws InvalidInputException when no model may have that name
     */
    public void checkName(String name) {
        if (!ModelName.isValid(name)) {
            throw new InvalidInputException("model", ModelName.refusal(name));
        }
    }

    /**
     * Removes the model: new requests are refused at once, admitted ones finish, then it closes.
     *
     * @throws UnknownModelException when no model has that name
     */
    public void unload(String name) {
        registry.unload(name);
    }
}
