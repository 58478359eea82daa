package dev.hotserve.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads the configuration once, at start-up: command-line flags over environment variables over
 * the config file over defaults, every setting through its row of {@link Setting} (the table in
 * server/README.md). Every error names the setting, where it came from and the bad value.
 *
 * <p>Config file (YAML or JSON): the top-level keys are the file keys of the server and per-model
 * settings plus {@code models}, a list of entries ({@code name}, {@code path | dir | source},
 * {@code glob}, {@code rollout} and the per-model settings' keys; see {@link ModelEntries}).
 * Relative paths in it are resolved against the file's directory.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    /**
     * @param flags values given on the command line
     * @param env the process environment (or a test's map)
     * @param workDir where {@code models/<name>/} and relative paths given by flags or env are looked up
     */
    public static ServerConfig load(Map<Setting, String> flags, Map<String, String> env, Path workDir) throws ConfigException {
        Path dir = workDir.toAbsolutePath().normalize();
        Sources launch = new Sources(flags, env, dir, ConfigFile.none(dir));
        Optional<Value> configPath = launch.launch(Setting.CONFIG);
        Sources s = configPath.isEmpty() ? launch : launch.withFile(ConfigFile.read(configPath.get().path(), configPath.get().origin()));
        String host = Setting.HOST.read(s.server(Setting.HOST), String.class);
        int port = Setting.PORT.read(s.server(Setting.PORT), Integer.class);
        AuthConfig auth = new AuthConfig(Setting.API_KEY.readOptional(s.server(Setting.API_KEY), String.class),
                Setting.ADMIN_KEY.readOptional(s.server(Setting.ADMIN_KEY), String.class));
        Limits limits = limits(s);
        Duration grace = Setting.SHUTDOWN_GRACE.read(s.server(Setting.SHUTDOWN_GRACE), Duration.class);
        OptionalInt grpcPort = Setting.GRPC_PORT.read(s.server(Setting.GRPC_PORT), OptionalInt.class);
        try {
            return new ServerConfig(host, port, new ModelEntries(s).all(), auth, limits, grace, grpcPort);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    /**
     * One model entry of the config file given at run time (the model repository's load): the
     * same keys and checks as an entry of {@code models}, relative paths against {@code baseDir}.
     * Environment and flags do not apply: the entry says everything.
     *
     * @param name the model's name; the entry may repeat it, not contradict it
     * @param json the entry as JSON (or YAML)
     * @throws ConfigException naming the field at fault
     */
    public static ModelConfig modelEntry(String name, String json, Path baseDir) throws ConfigException {
        String where = "model " + name + " config";
        JsonNode node;
        try {
            node = new ObjectMapper(new YAMLFactory()).readTree(json);
        } catch (IOException e) {
            throw new ConfigException(where + " is not valid JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new ConfigException(where + " must be a JSON object such as {\"dir\": \"/models/" + name + "\"}");
        }
        ConfigFile.checkEntryKeys(node, where);
        Optional<String> given = ConfigFile.text(node, "name", where).map(String::trim);
        if (given.isPresent() && !given.get().equals(name)) {
            throw new ConfigException(where + ": name is '" + given.get() + "', the request loads '" + name + "'");
        }
        ((ObjectNode) node).put("name", name);
        Path dir = baseDir.toAbsolutePath().normalize();
        Sources entryOnly = new Sources(Map.of(), Map.of(), dir, new ConfigFile(where, dir, null, List.of(node)));
        return new ModelEntries(entryOnly).entry(node, where);
    }

    /** The file a rollout writes a model's stable version to, under the state directory. */
    public static String stateFileName(String name, ModelSource source) {
        return Rollouts.stateFileName(name, source);
    }

    static Limits limits(Sources s) throws ConfigException {
        return new Limits(
                Setting.MAX_BODY_BYTES.read(s.server(Setting.MAX_BODY_BYTES), Long.class),
                Setting.MAX_BATCH_ROWS.read(s.server(Setting.MAX_BATCH_ROWS), Integer.class),
                Setting.MAX_BENCHMARK_ITERATIONS.read(s.server(Setting.MAX_BENCHMARK_ITERATIONS), Integer.class),
                Setting.MAX_TENSOR_ELEMENTS.read(s.server(Setting.MAX_TENSOR_ELEMENTS), Integer.class),
                Setting.MAX_INPUTS.read(s.server(Setting.MAX_INPUTS), Integer.class),
                Setting.MAX_LOAD_BODY_BYTES.read(s.server(Setting.MAX_LOAD_BODY_BYTES), Integer.class),
                Setting.MAX_URL_BYTES.read(s.server(Setting.MAX_URL_BYTES), Integer.class),
                Setting.MAX_HEADER_BYTES.read(s.server(Setting.MAX_HEADER_BYTES), Integer.class),
                Setting.MAX_HEADERS.read(s.server(Setting.MAX_HEADERS), Integer.class),
                Setting.MAX_BODY_CHUNKS.read(s.server(Setting.MAX_BODY_CHUNKS), Integer.class),
                Setting.IDLE_TIMEOUT.read(s.server(Setting.IDLE_TIMEOUT), Duration.class),
                Setting.MAX_EVENT_STREAMS.read(s.server(Setting.MAX_EVENT_STREAMS), Integer.class));
    }
}
