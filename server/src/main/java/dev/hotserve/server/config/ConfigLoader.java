package dev.hotserve.server.config;

import dev.hotserve.signing.SignatureException;
import dev.hotserve.signing.SignatureMode;
import dev.hotserve.signing.TrustedKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hotserve.batch.Batching;
import dev.hotserve.core.ReloadMode;
import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.source.s3.S3Location;
import dev.hotserve.source.s3.S3SourceSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the configuration once, at start-up: command-line flags over environment variables over
 * the config file over defaults (SPEC §6). Which checkpoints a model follows (SPEC §2):
 * {@code HOTSERVE_MODEL} (a file) over {@code HOTSERVE_SOURCE} (an {@code s3://bucket/prefix/},
 * SPEC §9) over {@code HOTSERVE_MODEL_DIR} (a directory) over the config file's {@code models};
 * with none of them, {@code ./models/sac/} when it exists, else the bundled demo model. Every
 * error names the setting, where it came from and the bad value.
 *
 * <p>Config file (YAML or JSON): the top-level keys are the settings' file keys (see
 * {@link Setting}) plus {@code models}, a list of {@code {name, path | dir | source, glob, jit,
 * reload_mode, poll_interval, threads, s3_endpoint, cache_dir, cache_keep}}. Relative paths in it
 * are resolved against the file's directory.
 */
public final class ConfigLoader {

    static final String DEFAULT_MODEL_NAME = "sac";
    static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    static final int DEFAULT_GRPC_PORT = 8081;
    /** An object store is polled, never watched: SPEC §9's default. */
    static final Duration DEFAULT_S3_POLL_INTERVAL = Duration.ofSeconds(2);
    private static final Set<String> MODEL_KEYS =
            Set.of("name", "path", "dir", "source", "glob", "jit", "reload_mode", "poll_interval", "threads", "settle_window", "state_dim",
                    "max_batch_size", "max_queue_delay", "adaptive_queue_delay", "rollout", "s3_endpoint", "cache_dir", "cache_keep",
                    "signatures", "trusted_keys");
    private static final Set<String> ROLLOUT_KEYS = Set.of("mode", "shadow_samples", "max_drift", "shadow_fraction", "canary_fraction",
            "canary_duration", "guard_duration");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");
    private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)");

    private final Map<Setting, String> flags;
    private final Map<String, String> env;
    private final Path workDir;

    /** A raw value and the words that say where it came from ("HOTSERVE_PORT", "--port", "hotserve.yaml: port"). */
    record Value(String raw, String origin) {}

    private ConfigLoader(Map<Setting, String> flags, Map<String, String> env, Path workDir) {
        this.flags = Map.copyOf(flags);
        this.env = Map.copyOf(env);
        this.workDir = workDir.toAbsolutePath().normalize();
    }

    /**
     * @param flags values given on the command line
     * @param env the process environment (or a test's map)
     * @param workDir where {@code models/<name>/} and relative paths given by flags or env are looked up
     */
    public static ServerConfig load(Map<Setting, String> flags, Map<String, String> env, Path workDir) throws ConfigException {
        return new ConfigLoader(flags, env, workDir).load();
    }

    private ServerConfig load() throws ConfigException {
        Optional<Value> configPath = fromFlagsOrEnv(Setting.CONFIG);
        FileConfig file = configPath.isPresent() ? FileConfig.read(resolve(configPath.get().raw(), workDir), configPath.get().origin()) : FileConfig.EMPTY;

        String host = lookup(Setting.HOST, file, null).map(Value::raw).orElse("127.0.0.1").trim();
        if (host.isEmpty()) {
            throw new ConfigException(Setting.HOST.env() + " must not be empty");
        }
        int port = or(lookup(Setting.PORT, file, null), v -> parseInt(v, 0, 65535), 8080);
        AuthConfig auth = new AuthConfig(
                Optional.ofNullable(or(lookup(Setting.API_KEY, file, null), ConfigLoader::key, null)),
                Optional.ofNullable(or(lookup(Setting.ADMIN_KEY, file, null), ConfigLoader::key, null)));
        Limits limits = limits(file);
        Duration grace = or(lookup(Setting.SHUTDOWN_GRACE, file, null), ConfigLoader::parseDuration, DEFAULT_SHUTDOWN_GRACE);
        OptionalInt grpcPort = or(lookup(Setting.GRPC_PORT, file, null), ConfigLoader::parseGrpcPort, OptionalInt.of(DEFAULT_GRPC_PORT));
        try {
            return new ServerConfig(host, port, models(file), auth, limits, grace, grpcPort);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private List<ModelConfig> models(FileConfig file) throws ConfigException {
        Optional<Value> explicit = fromFlagsOrEnv(Setting.MODEL);
        Optional<Value> dir = fromFlagsOrEnv(Setting.MODEL_DIR);
        Optional<Value> nameValue = fromFlagsOrEnv(Setting.MODEL_NAME);
        String name = nameValue.map(Value::raw).map(String::trim).orElse(DEFAULT_MODEL_NAME);
        if (!ModelName.isValid(name)) {
            throw new ConfigException(nameValue.map(Value::origin).orElse("--name") + ": " + ModelName.refusal(name));
        }
        Optional<String> glob = fromFlagsOrEnv(Setting.MODEL_GLOB).map(Value::raw).map(String::trim);
        Optional<Value> remote = fromFlagsOrEnv(Setting.SOURCE);
        if (explicit.isPresent()) {
            return List.of(model(name, new ModelSource.File(resolve(explicit.get().raw(), workDir)), null, file));
        }
        if (remote.isPresent()) {
            return List.of(model(name, s3(remote.get(), name, glob, null, file), null, file));
        }
        if (dir.isPresent()) {
            return List.of(model(name, new ModelSource.Directory(resolve(dir.get().raw(), workDir), glob), null, file));
        }
        if (!file.models().isEmpty()) {
            List<ModelConfig> out = new ArrayList<>();
            for (int i = 0; i < file.models().size(); i++) {
                out.add(entry(file.models().get(i), file, file.name() + ": models[" + i + "]"));
            }
            return out;
        }
        Path defaultDir = workDir.resolve("models").resolve(name);
        ModelSource source = Files.isDirectory(defaultDir) ? new ModelSource.Directory(defaultDir, glob) : new ModelSource.Demo();
        return List.of(model(name, source, null, file));
    }

    /** One entry of {@code models} (or one given at run time): its name, where its checkpoints come from, its settings. */
    private ModelConfig entry(JsonNode node, FileConfig file, String where) throws ConfigException {
        String modelName = text(node, "name", where).map(String::trim)
                .orElseThrow(() -> new ConfigException(where + " needs a name"));
        if (!ModelName.isValid(modelName)) {
            throw new ConfigException(where + ": " + ModelName.refusal(modelName));
        }
        Optional<String> path = text(node, "path", where);
        Optional<String> mdir = text(node, "dir", where);
        Optional<String> mglob = text(node, "glob", where);
        Optional<String> msource = text(node, "source", where);
        if (path.isPresent() && mdir.isPresent()) {
            throw new ConfigException(where + " sets both path and dir; give one");
        }
        if (msource.isPresent() && (path.isPresent() || mdir.isPresent())) {
            throw new ConfigException(where + " sets both source and " + (path.isPresent() ? "path" : "dir") + "; give one");
        }
        ModelSource source;
        if (msource.isPresent()) {
            source = s3(new Value(msource.get(), file.name() + ": model " + modelName + " source"), modelName, mglob, node, file);
        } else {
            source = path.<ModelSource>map(p -> new ModelSource.File(resolve(p, file.dir())))
                    .orElseGet(() -> new ModelSource.Directory(
                            mdir.map(d -> resolve(d, file.dir())).orElseGet(() -> workDir.resolve("models").resolve(modelName)), mglob));
        }
        return model(modelName, source, node, file);
    }

    private ModelConfig model(String name, ModelSource source, JsonNode node, FileConfig file) throws ConfigException {
        ReloadMode mode = or(lookup(Setting.RELOAD_MODE, file, node), ConfigLoader::parseMode, ReloadMode.BLOCKING);
        boolean remote = source instanceof ModelSource.S3;
        Optional<Value> pollValue = lookup(Setting.POLL_INTERVAL, file, node);
        Duration poll = or(pollValue, ConfigLoader::parseDuration, remote ? DEFAULT_S3_POLL_INTERVAL : Duration.ZERO);
        if (remote && poll.isZero()) {
            throw new ConfigException(pollValue.map(Value::origin).orElse("poll_interval") + " must be more than 0 for model " + name
                    + ", whose checkpoints are in " + ((ModelSource.S3) source).location() + ": an object store is only ever polled");
        }
        // On by default: both engines measured faster at steady state with it (BENCHMARKS.md, item 6).
        boolean jit = or(lookup(Setting.JIT, file, node), ConfigLoader::parseBool, true);
        int threads = or(lookup(Setting.THREADS, file, node), v -> parseInt(v, 1, 1024), 1);
        Optional<Duration> settle = Optional.ofNullable(or(lookup(Setting.SETTLE_WINDOW, file, node), ConfigLoader::parseDuration, null));
        Integer stateDim = or(lookup(Setting.STATE_DIM, file, node), v -> parseInt(v, 1, 1_000_000), null);
        int maxBatchSize = or(lookup(Setting.MAX_BATCH_SIZE, file, node), v -> parseInt(v, 0, 1_000_000), 0);
        Duration maxQueueDelay = or(lookup(Setting.MAX_QUEUE_DELAY, file, node), ConfigLoader::parseDuration, Duration.ZERO);
        boolean adaptiveDelay = or(lookup(Setting.ADAPTIVE_QUEUE_DELAY, file, node), ConfigLoader::parseBool, false);
        if (source instanceof ModelSource.Directory d && d.glob().isPresent()) {
            checkGlob(d.glob().get(), name);
        }
        if (source instanceof ModelSource.S3 s && s.glob().isPresent()) {
            checkGlob(s.glob().get(), name);
        }
        SignatureMode signatures = or(lookup(Setting.SIGNATURES, file, node), ConfigLoader::parseSignatures, SignatureMode.OFF);
        List<Path> trustedKeys = trustedKeys(name, signatures, file, node);
        try {
            return new ModelConfig(name, source, mode, poll, jit, threads, settle,
                    stateDim == null ? OptionalInt.empty() : OptionalInt.of(stateDim), Batching.of(maxBatchSize, maxQueueDelay).withAdaptiveDelay(adaptiveDelay),
                    rollout(name, source, node, file), signatures, trustedKeys);
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
        FileConfig.unknownKeys(node, new TreeSet<>(MODEL_KEYS), where);
        ConfigLoader loader = new ConfigLoader(Map.of(), Map.of(), baseDir);
        Optional<String> given = text(node, "name", where).map(String::trim);
        if (given.isPresent() && !given.get().equals(name)) {
            throw new ConfigException(where + ": name is '" + given.get() + "', the request loads '" + name + "'");
        }
        ((com.fasterxml.jackson.databind.node.ObjectNode) node).put("name", name);
        return loader.entry(node, new FileConfig(where, loader.workDir, null, List.of(node)), where);
    }

    static SignatureMode parseSignatures(Value v) throws ConfigException {
        try {
            return SignatureMode.parse(v.raw());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(v.origin() + " must be off, warn or enforce, was '" + v.raw() + "'", e);
        }
    }

    /**
     * SPEC §16: {@code trusted_keys}, comma-separated PEM files (public keys or CA certificates), each
     * read now so that a bad one stops start-up; {@code enforce} without one stops start-up too.
     */
    private List<Path> trustedKeys(String name, SignatureMode mode, FileConfig file, JsonNode node) throws ConfigException {
        Optional<Value> v = lookup(Setting.TRUSTED_KEYS, file, node);
        List<Path> out = new ArrayList<>();
        if (v.isPresent()) {
            Path base = fromFlagsOrEnv(Setting.TRUSTED_KEYS).isPresent() ? workDir : file.dir();
            for (String part : v.get().raw().split(",")) {
                if (!part.isBlank()) {
                    out.add(resolve(part.trim(), base));
                }
            }
            try {
                TrustedKeys.load(out);
            } catch (IOException | SignatureException e) {
                throw new ConfigException(v.get().origin() + ": cannot read a trusted key: " + e.getMessage(), e);
            }
        }
        if (mode == SignatureMode.ENFORCE && out.isEmpty()) {
            throw new ConfigException("model " + name + ": signatures enforce needs trusted keys: set HOTSERVE_TRUSTED_KEYS"
                    + " (--trusted-keys, or trusted_keys in the config file) to PEM files of public keys or CA certificates");
        }
        return List.copyOf(out);
    }

    /** "off" (no gRPC server), or a port 0-65535 (0: any free one). */
    static OptionalInt parseGrpcPort(Value v) throws ConfigException {
        if (v.raw().trim().equalsIgnoreCase("off")) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(parseInt(v, 0, 65535));
        } catch (ConfigException e) {
            throw new ConfigException(v.origin() + " must be a port 0-65535 or 'off', was '" + v.raw() + "'", e);
        }
    }

    /**
     * An S3 source: the {@code s3://} URI, its endpoint ({@code s3_endpoint}), and this model's
     * folder under {@code cache_dir} (default {@code ~/.cache/hotserve}).
     */
    private ModelSource.S3 s3(Value uri, String modelName, Optional<String> glob, JsonNode node, FileConfig file) throws ConfigException {
        S3Location location;
        try {
            location = S3Location.parse(uri.raw());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(uri.origin() + ": " + e.getMessage(), e);
        }
        Optional<URI> endpoint = Optional.ofNullable(or(lookup(Setting.S3_ENDPOINT, file, node), ConfigLoader::parseEndpoint, null));
        Optional<Value> cache = lookup(Setting.CACHE_DIR, file, node);
        Path cacheRoot = cache.isPresent() ? resolve(cache.get().raw(), fromFlagsOrEnv(Setting.CACHE_DIR).isPresent() ? workDir : file.dir())
                : Path.of(System.getProperty("user.home"), ".cache", "hotserve");
        int keep = or(lookup(Setting.CACHE_KEEP, file, node), v -> parseInt(v, 1, 1000), S3SourceSettings.DEFAULT_KEEP_STAGED);
        return new ModelSource.S3(location, endpoint, cacheRoot.resolve(modelName), glob, keep);
    }

    static URI parseEndpoint(Value v) throws ConfigException {
        try {
            return S3SourceSettings.checkEndpoint(new URI(v.raw().trim()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new ConfigException(v.origin() + ": an S3 endpoint must be an http:// or https:// URL with a host, was '" + v.raw() + "'", e);
        }
    }

    /**
     * SPEC §11: {@code rollout: {mode: shadow, shadow_samples: 1000, ...}} in a model entry (or
     * {@code rollout: shadow}), each key overridden by {@code HOTSERVE_ROLLOUT} (the mode) and
     * {@code HOTSERVE_<KEY>}. The stable version is written to {@code <state_dir>/<name>.<source key>.stable.json}
     * ({@code HOTSERVE_STATE_DIR}, default {@code ~/.cache/hotserve/state}).
     */
    private RolloutPolicy rollout(String name, ModelSource source, JsonNode node, FileConfig file) throws ConfigException {
        JsonNode r = node == null ? null : node.get("rollout");
        String where = file == null ? "rollout" : file.name() + ": model " + name + " rollout";
        if (r != null && r.isObject()) {
            for (java.util.Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!ROLLOUT_KEYS.contains(k)) {
                    throw new ConfigException(where + ": unknown key '" + k + "' (known: " + new java.util.TreeSet<>(ROLLOUT_KEYS) + ")");
                }
            }
        } else if (r != null && !r.isNull() && !r.isTextual()) {
            throw new ConfigException(where + " must be a mode (immediate, shadow, canary) or an object of rollout keys, was " + r);
        }
        Optional<Value> modeValue = rolloutValue("HOTSERVE_ROLLOUT", r, "mode", where);
        if (modeValue.isEmpty() && r != null && r.isTextual()) {
            modeValue = Optional.of(new Value(r.asText(), where));
        }
        RolloutPolicy.Mode mode = or(modeValue, v -> switch (v.raw().trim().toLowerCase(Locale.ROOT)) {
            case "immediate" -> RolloutPolicy.Mode.IMMEDIATE;
            case "shadow" -> RolloutPolicy.Mode.SHADOW;
            case "canary" -> RolloutPolicy.Mode.CANARY;
            default -> throw new ConfigException(v.origin() + " must be 'immediate', 'shadow' or 'canary', was '" + v.raw() + "'");
        }, RolloutPolicy.Mode.IMMEDIATE);
        RolloutPolicy d = RolloutPolicy.defaults(mode);
        int samples = or(rolloutValue("HOTSERVE_SHADOW_SAMPLES", r, "shadow_samples", where), v -> parseInt(v, 0, 10_000_000), d.shadowSamples());
        double maxDrift = or(rolloutValue("HOTSERVE_MAX_DRIFT", r, "max_drift", where), v -> parseFraction(v, 0, Double.MAX_VALUE), d.maxDrift());
        double shadowFraction = or(rolloutValue("HOTSERVE_SHADOW_FRACTION", r, "shadow_fraction", where), v -> parseFraction(v, 0, 1),
                d.shadowFraction());
        double canaryFraction = or(rolloutValue("HOTSERVE_CANARY_FRACTION", r, "canary_fraction", where), v -> parseFraction(v, 0, 1),
                d.canaryFraction());
        Duration canaryDuration = or(rolloutValue("HOTSERVE_CANARY_DURATION", r, "canary_duration", where), ConfigLoader::parseDuration,
                d.canaryDuration());
        Duration guard = or(rolloutValue("HOTSERVE_GUARD_DURATION", r, "guard_duration", where), ConfigLoader::parseDuration,
                d.guardDuration());
        String stateDir = env.get("HOTSERVE_STATE_DIR");
        if ((stateDir == null || stateDir.isBlank()) && file != null) {
            stateDir = text(file.root(), "state_dir", file.name()).map(p -> resolve(p, file.dir()).toString()).orElse(null);
        }
        Path dir = stateDir != null && !stateDir.isBlank() ? Path.of(stateDir)
                : Path.of(System.getProperty("user.home"), ".cache", "hotserve", "state");
        try {
            return new RolloutPolicy(mode, samples, maxDrift, shadowFraction, canaryFraction, canaryDuration, guard,
                    mode == RolloutPolicy.Mode.IMMEDIATE ? Optional.empty() : Optional.of(dir.resolve(stateFileName(name, source))));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code <name>.<source key>.stable.json}: keyed by the model's name and its source, so two
     * deployments sharing a state directory, or one whose {@code dir} changed, never read each
     * other's record (the core also checks what a record names before restoring it).
     */
    public static String stateFileName(String name, ModelSource source) {
        String identity = switch (source) {
            case ModelSource.File f -> "file " + f.path().toAbsolutePath().normalize();
            case ModelSource.Directory d -> "dir " + d.dir().toAbsolutePath().normalize() + " " + d.glob().orElse("");
            case ModelSource.S3 s3 -> "s3 " + s3.location() + " " + s3.endpoint().map(Object::toString).orElse("") + " " + s3.glob().orElse("");
            case ModelSource.Demo demo -> "demo";
        };
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(identity.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return name + "." + java.util.HexFormat.of().formatHex(h, 0, 6) + ".stable.json";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<Value> rolloutValue(String envName, JsonNode rollout, String key, String where) throws ConfigException {
        String e = env.get(envName);
        if (e != null && !e.isBlank()) {
            return Optional.of(new Value(e, envName));
        }
        if (rollout != null && rollout.isObject()) {
            return text(rollout, key, where).map(raw -> new Value(raw, where + "." + key));
        }
        return Optional.empty();
    }

    static double parseFraction(Value v, double min, double max) throws ConfigException {
        try {
            double d = Double.parseDouble(v.raw().trim());
            if (d >= min && d <= max) {
                return d;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new ConfigException(v.origin() + " must be a number " + min + "-" + (max == Double.MAX_VALUE ? "" : String.valueOf(max))
                + ", was '" + v.raw() + "'");
    }

    // ---- lookup: flags > env > model entry > file top level ----

    private Optional<Value> fromFlagsOrEnv(Setting s) {
        String flag = flags.get(s);
        if (flag != null) {
            return Optional.of(new Value(flag, s.flag()));
        }
        String e = env.get(s.env());
        if (e != null && !e.isBlank()) {
            return Optional.of(new Value(e, s.env()));
        }
        return Optional.empty();
    }

    private Optional<Value> lookup(Setting s, FileConfig file, JsonNode model) throws ConfigException {
        Optional<Value> v = fromFlagsOrEnv(s);
        if (v.isPresent()) {
            return v;
        }
        if (s.fileKey() == null) {
            return Optional.empty();
        }
        if (model != null) {
            Optional<String> m = text(model, s.fileKey(), file.name() + ": models[..]");
            if (m.isPresent()) {
                return Optional.of(new Value(m.get(), file.name() + ": model " + model.path("name").asText() + " " + s.fileKey()));
            }
        }
        if (file.root() == null) {
            return Optional.empty();
        }
        return text(file.root(), s.fileKey(), file.name()).map(raw -> new Value(raw, file.name() + ": " + s.fileKey()));
    }

    private static Optional<String> text(JsonNode node, String key, String where) throws ConfigException {
        JsonNode v = node == null ? null : node.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isValueNode()) {
            throw new ConfigException(where + ": " + key + " must be a single value, was " + v);
        }
        return Optional.of(v.asText());
    }

    /** Parses one value; may refuse it with a message. */
    @FunctionalInterface
    interface Parser<T> {
        T parse(Value v) throws ConfigException;
    }

    private static <T> T or(Optional<Value> v, Parser<T> parser, T otherwise) throws ConfigException {
        return v.isPresent() ? parser.parse(v.get()) : otherwise;
    }

    private static String key(Value v) throws ConfigException {
        if (v.raw().isBlank() || !v.raw().equals(v.raw().strip())) {
            // The key itself is never echoed back: it is a secret.
            throw new ConfigException(v.origin() + " must be a non-empty key without surrounding white space");
        }
        return v.raw();
    }

    // ---- parsing, each message naming the setting and the value ----

    private Limits limits(FileConfig file) throws ConfigException {
        Duration idle = or(lookup(Setting.IDLE_TIMEOUT, file, null), ConfigLoader::parseDuration, Limits.DEFAULT_IDLE_TIMEOUT);
        if (idle.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException(Setting.IDLE_TIMEOUT.env() + " must be at least 1s, was " + idle.toMillis() + "ms");
        }
        return new Limits(
                or(lookup(Setting.MAX_BODY_BYTES, file, null), ConfigLoader::parseBytes, Limits.DEFAULT_MAX_BODY_BYTES),
                or(lookup(Setting.MAX_BATCH_ROWS, file, null), v -> parseInt(v, 1, 10_000_000), Limits.DEFAULT_MAX_BATCH_ROWS),
                or(lookup(Setting.MAX_BENCHMARK_ITERATIONS, file, null), v -> parseInt(v, 1, 10_000_000),
                        Limits.DEFAULT_MAX_BENCHMARK_ITERATIONS),
                or(lookup(Setting.MAX_TENSOR_ELEMENTS, file, null), v -> parseInt(v, 1, Integer.MAX_VALUE - 16),
                        Limits.DEFAULT_MAX_TENSOR_ELEMENTS),
                or(lookup(Setting.MAX_INPUTS, file, null), v -> parseInt(v, 1, 1_000_000), Limits.DEFAULT_MAX_INPUTS),
                or(lookup(Setting.MAX_LOAD_BODY_BYTES, file, null), ConfigLoader::parseLoadBodyBytes, Limits.DEFAULT_MAX_LOAD_BODY_BYTES),
                or(lookup(Setting.MAX_URL_BYTES, file, null), v -> parseInt(v, 256, 1 << 20), Limits.DEFAULT_MAX_URL_BYTES),
                or(lookup(Setting.MAX_HEADER_BYTES, file, null), v -> parseInt(v, 1024, 1 << 20), Limits.DEFAULT_MAX_HEADER_BYTES),
                or(lookup(Setting.MAX_HEADERS, file, null), v -> parseInt(v, 8, 100_000), Limits.DEFAULT_MAX_HEADERS),
                or(lookup(Setting.MAX_BODY_CHUNKS, file, null), v -> parseInt(v, 1, Integer.MAX_VALUE), Limits.DEFAULT_MAX_BODY_CHUNKS),
                idle,
                or(lookup(Setting.MAX_EVENT_STREAMS, file, null), v -> parseInt(v, 1, 100_000), Limits.DEFAULT_MAX_EVENT_STREAMS));
    }

    /** A repository load body is a config entry: a few hundred bytes, never megabytes. */
    private static int parseLoadBodyBytes(Value v) throws ConfigException {
        long n = parseBytes(v);
        if (n > 64L << 20) {
            throw new ConfigException(v.origin() + " must be at most 64MiB (a load request carries one config entry), was '" + v.raw() + "'");
        }
        return (int) n;
    }

    static int parseInt(Value v, int min, int max) throws ConfigException {
        try {
            int n = Integer.parseInt(v.raw().trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new ConfigException(v.origin() + " must be an integer " + min + "-" + max + ", was '" + v.raw() + "'");
    }

    static boolean parseBool(Value v) throws ConfigException {
        return switch (v.raw().trim().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off" -> false;
            default -> throw new ConfigException(v.origin() + " must be 1 or 0 (true/false), was '" + v.raw() + "'");
        };
    }

    static ReloadMode parseMode(Value v) throws ConfigException {
        return switch (v.raw().trim().toLowerCase(Locale.ROOT)) {
            case "blocking" -> ReloadMode.BLOCKING;
            case "background" -> ReloadMode.BACKGROUND;
            default -> throw new ConfigException(v.origin() + " must be 'blocking' or 'background', was '" + v.raw() + "'");
        };
    }

    /** "0" (off), "500ms", "5s", "2m", "1h", "1.5s", or ISO-8601 such as "PT5S". */
    static Duration parseDuration(Value v) throws ConfigException {
        String s = v.raw().trim().toLowerCase(Locale.ROOT);
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(s);
        if (m.matches()) {
            double n = Double.parseDouble(m.group(1));
            double millis = switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1_000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
            };
            return Duration.ofNanos(Math.round(millis * 1_000_000));
        }
        if (s.startsWith("pt")) {
            try {
                Duration d = Duration.parse(s.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return d;
                }
            } catch (DateTimeParseException e) {
                // fall through to the message below
            }
        }
        throw new ConfigException(v.origin() + " must be a duration such as 500ms, 5s, 2m or 0 (off), was '" + v.raw() + "'");
    }

    /** A byte count, optionally with a binary unit: "8388608", "512KiB", "8MiB", "8m". */
    static long parseBytes(Value v) throws ConfigException {
        Matcher m = BYTES.matcher(v.raw().trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                long unit = switch (m.group(2)) {
                    case "", "b" -> 1L;
                    case "k", "kb", "kib" -> 1L << 10;
                    case "m", "mb", "mib" -> 1L << 20;
                    default -> 1L << 30;
                };
                long bytes = Math.multiplyExact(n, unit);
                if (bytes >= 1 && bytes <= (1L << 31)) {
                    return bytes;
                }
            } catch (ArithmeticException | NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new ConfigException(v.origin() + " must be a size from 1 byte to 2GiB such as 8388608 or 8MiB, was '" + v.raw() + "'");
    }

    private static void checkGlob(String glob, String model) throws ConfigException {
        try {
            FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("the glob of model " + model + " is not a valid glob, was '" + glob + "' (" + e.getMessage() + ")", e);
        }
    }

    private static Path resolve(String raw, Path base) {
        String s = raw.trim();
        if (s.startsWith("~/")) {
            s = System.getProperty("user.home") + s.substring(1);
        }
        return base.resolve(s).toAbsolutePath().normalize();
    }

    /** The parsed config file: its top level and its models. */
    record FileConfig(String name, Path dir, JsonNode root, List<JsonNode> models) {
        static final FileConfig EMPTY = new FileConfig("(no config file)", Path.of("."), null, List.of());

        static FileConfig read(Path path, String origin) throws ConfigException {
            JsonNode root;
            try {
                root = new ObjectMapper(new YAMLFactory()).readTree(readBounded(path));
            } catch (IOException e) {
                throw new ConfigException(origin + " names a config file that cannot be read: " + path + " (" + e.getMessage() + ")", e);
            }
            String name = "config file " + path;
            if (root == null || root.isMissingNode() || root.isNull()) {
                return new FileConfig(name, path.toAbsolutePath().getParent(), null, List.of());
            }
            if (!root.isObject()) {
                throw new ConfigException(name + " must hold a mapping of settings, was " + root.getNodeType());
            }
            Set<String> known = new TreeSet<>();
            known.add("models");
            for (Setting s : Setting.values()) {
                if (s.fileKey() != null) {
                    known.add(s.fileKey());
                }
            }
            unknownKeys(root, known, name);
            List<JsonNode> models = new ArrayList<>();
            JsonNode list = root.get("models");
            if (list != null && !list.isNull()) {
                if (!list.isArray()) {
                    throw new ConfigException(name + ": models must be a list, was " + list.getNodeType());
                }
                for (int i = 0; i < list.size(); i++) {
                    JsonNode m = list.get(i);
                    if (!m.isObject()) {
                        throw new ConfigException(name + ": models[" + i + "] must be a mapping, was " + m.getNodeType());
                    }
                    unknownKeys(m, new TreeSet<>(MODEL_KEYS), name + ": models[" + i + "]");
                    models.add(m);
                }
            }
            return new FileConfig(name, path.toAbsolutePath().getParent(), root, models);
        }

        /** A config file is a few KiB; the bound keeps {@code HOTSERVE_CONFIG=/dev/zero} from filling the heap. */
        private static final int MAX_CONFIG_BYTES = 4 * 1024 * 1024;

        private static byte[] readBounded(Path path) throws IOException {
            try (InputStream in = Files.newInputStream(path)) {
                byte[] bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
                if (bytes.length > MAX_CONFIG_BYTES) {
                    throw new IOException("it is over " + MAX_CONFIG_BYTES + " bytes");
                }
                return bytes;
            }
        }

        private static void unknownKeys(JsonNode node, Set<String> known, String where) throws ConfigException {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!known.contains(k)) {
                    throw new ConfigException(where + ": unknown key '" + k + "' (known: " + String.join(", ", known) + ")");
                }
            }
        }
    }
}
