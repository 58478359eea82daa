package dev.hotserve.server.config;

import static dev.hotserve.server.config.Parsers.integer;

import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.source.s3.S3SourceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The one table of settings: for each, its environment variable, its command-line flag (null: none),
 * its key in the config file (null: none; where the key lives depends on the {@link Scope}), its
 * parser, its default as a user would write it (null: none; the parser reads it like any other
 * value, so a default is written nowhere else) and its help. The {@code serve} command's flags are
 * built from this table, the config reader looks every value up through it, and a test holds
 * {@code server/README.md}'s settings table to it.
 */
public enum Setting {
    // Which model(s): flags and environment only; a config file's model entries say the same with their own keys.
    CONFIG("HOTSERVE_CONFIG", "--config", null, Scope.LAUNCH, Parsers.PATH, null, "FILE",
            "YAML/JSON config file with several models"),
    MODEL("HOTSERVE_MODEL", "--model", null, Scope.LAUNCH, Parsers.PATH, null, "FILE", "serve this checkpoint file"),
    MODEL_DIR("HOTSERVE_MODEL_DIR", "--model-dir", null, Scope.LAUNCH, Parsers.PATH, null, "DIR",
            "serve the newest matching file of this directory"),
    MODEL_NAME("HOTSERVE_MODEL_NAME", "--name", null, Scope.LAUNCH, Parsers.MODEL_NAME, "sac", null, "URL name of the single model"),
    MODEL_GLOB("HOTSERVE_MODEL_GLOB", "--glob", null, Scope.LAUNCH, Parsers.TRIMMED, null, null,
            "candidate file names in --model-dir (or keys under --source); unset: the core's model_*.{onnx,pt}"),
    SOURCE("HOTSERVE_SOURCE", "--source", null, Scope.LAUNCH, Parsers.S3_LOCATION, null, "s3://BUCKET/PREFIX/",
            "follow checkpoints in an object store: its LATEST pointer, else the newest matching key"),

    HOST("HOTSERVE_HOST", "--host", "host", Scope.SERVER, Parsers.HOST, "127.0.0.1", null, "listen address"),
    PORT("HOTSERVE_PORT", "--port", "port", Scope.SERVER, integer(0, 65535), "8080", null, "listen port, 0 = any free"),
    API_KEY("HOTSERVE_API_KEY", "--api-key", "api_key", Scope.SERVER, Parsers.KEY, null, null,
            "bearer key for every route but health; prefer the variable: flags show in ps"),
    ADMIN_KEY("HOTSERVE_ADMIN_KEY", "--admin-key", "admin_key", Scope.SERVER, Parsers.KEY, null, null,
            "bearer key for reload, rollback, unpin, benchmark; unset: the API key"),

    // Per model, S3 sources only: read when a model's checkpoints are in an object store.
    S3_ENDPOINT("HOTSERVE_S3_ENDPOINT", "--s3-endpoint", "s3_endpoint", Scope.S3_SOURCE, Parsers.S3_ENDPOINT, null, "URL",
            "an S3-compatible store (MinIO, Ceph, ...) instead of AWS"),
    CACHE_DIR("HOTSERVE_CACHE_DIR", "--cache-dir", "cache_dir", Scope.S3_SOURCE, Parsers.PATH, "~/.cache/hotserve", "DIR",
            "where S3 checkpoints are staged, a folder per model"),
    CACHE_KEEP("HOTSERVE_CACHE_KEEP", "--cache-keep", "cache_keep", Scope.S3_SOURCE, integer(1, 1000),
            String.valueOf(S3SourceSettings.DEFAULT_KEEP_STAGED), null, "staged S3 checkpoints kept per model for rollback"),

    // Per model, in the order they are checked.
    RELOAD_MODE("HOTSERVE_RELOAD_MODE", "--reload-mode", "reload_mode", Scope.MODEL, Parsers.RELOAD_MODE, "blocking",
            "blocking|background", "blocking: a request after a newer file loads it first; background: no request waits"),
    POLL_INTERVAL("HOTSERVE_POLL_INTERVAL", "--poll-interval", "poll_interval", Scope.MODEL, Parsers.DURATION_VALUE, "0", "DURATION",
            "look for a newer checkpoint this often, e.g. 5s, 500ms; 0 = off (an S3 source: 2s unless set)"),
    // On by default: both engines measured faster at steady state with it (BENCHMARKS.md, item 6).
    JIT("HOTSERVE_JIT", "--jit", "jit", Scope.MODEL, Parsers.BOOL, "1", "1|0", "engine graph optimisation on/off"),
    THREADS("HOTSERVE_THREADS", "--threads", "threads", Scope.MODEL, integer(1, 1024), "1", null, "intra-op threads per model"),
    SETTLE_WINDOW("HOTSERVE_SETTLE_WINDOW", "--settle-window", "settle_window", Scope.MODEL, Parsers.DURATION_VALUE, null, "DURATION",
            "a fresh file in no known format must stay unchanged this long before it loads; unset: the core's 50ms"),
    WARM_LOADS("HOTSERVE_WARM_LOADS", "--warm-loads", "warm_loads", Scope.MODEL, integer(0, 1000), "16", null,
            "after the first load, load the serving checkpoint this many times more in the background and discard them, "
                    + "so the first pickup hours later runs compiled code; 0 = off"),
    STATE_DIM("HOTSERVE_STATE_DIM", "--state-dim", "state_dim", Scope.MODEL, integer(1, 1_000_000), null, null,
            "refuse checkpoints of another input width"),
    MAX_BATCH_SIZE("HOTSERVE_MAX_BATCH_SIZE", "--max-batch-size", "max_batch_size", Scope.MODEL, integer(0, 1_000_000), "0", null,
            "dynamic batching: most rows per engine call, 0 = off"),
    MAX_QUEUE_DELAY("HOTSERVE_MAX_QUEUE_DELAY", "--max-queue-delay", "max_queue_delay", Scope.MODEL, Parsers.DURATION_VALUE, "0",
            "DURATION", "dynamic batching: wait this long for a batch to fill, 0: never wait"),
    ADAPTIVE_QUEUE_DELAY("HOTSERVE_ADAPTIVE_QUEUE_DELAY", "--adaptive-queue-delay", "adaptive_queue_delay", Scope.MODEL, Parsers.BOOL,
            "false", "BOOL", "dynamic batching: wait the queue delay only while other requests are in flight, so a lone request"
                    + " never waits; false: Triton's semantics"),
    SIGNATURES("HOTSERVE_SIGNATURES", "--signatures", "signatures", Scope.MODEL, Parsers.SIGNATURES, "off", "off|warn|enforce",
            "checkpoint signatures (<checkpoint>.sig; see SECURITY.md)"),
    TRUSTED_KEYS("HOTSERVE_TRUSTED_KEYS", "--trusted-keys", "trusted_keys", Scope.MODEL, Parsers.TRUSTED_KEYS, null, "PEM[,PEM...]",
            "public keys and CA certificates a signature must chain to"),

    // Per model, inside a model entry's rollout object; the environment overrides every model's.
    ROLLOUT("HOTSERVE_ROLLOUT", null, "mode", Scope.ROLLOUT, Parsers.ROLLOUT_MODE, "immediate", null,
            "how a new checkpoint goes live: immediate, shadow or canary"),
    SHADOW_SAMPLES("HOTSERVE_SHADOW_SAMPLES", null, "shadow_samples", Scope.ROLLOUT, integer(0, 10_000_000),
            String.valueOf(RolloutPolicy.IMMEDIATE.shadowSamples()), null, "shadowed requests compared before a candidate is promoted"),
    MAX_DRIFT("HOTSERVE_MAX_DRIFT", null, "max_drift", Scope.ROLLOUT, Parsers.number(0, Double.MAX_VALUE),
            String.valueOf(RolloutPolicy.IMMEDIATE.maxDrift()), null, "the largest drift of a candidate's outputs that still promotes it"),
    SHADOW_FRACTION("HOTSERVE_SHADOW_FRACTION", null, "shadow_fraction", Scope.ROLLOUT, Parsers.number(0, 1),
            String.valueOf(RolloutPolicy.IMMEDIATE.shadowFraction()), null, "the share of requests also sent to the candidate"),
    CANARY_FRACTION("HOTSERVE_CANARY_FRACTION", null, "canary_fraction", Scope.ROLLOUT, Parsers.number(0, 1),
            String.valueOf(RolloutPolicy.IMMEDIATE.canaryFraction()), null, "the share of requests a canary answers"),
    CANARY_DURATION("HOTSERVE_CANARY_DURATION", null, "canary_duration", Scope.ROLLOUT, Parsers.DURATION_VALUE,
            written(RolloutPolicy.IMMEDIATE.canaryDuration()), null, "how long a canary runs before it is promoted"),
    GUARD_DURATION("HOTSERVE_GUARD_DURATION", null, "guard_duration", Scope.ROLLOUT, Parsers.DURATION_VALUE,
            written(RolloutPolicy.IMMEDIATE.guardDuration()), null, "how long a promoted version is watched for a rollback"),
    STATE_DIR("HOTSERVE_STATE_DIR", null, "state_dir", Scope.SERVER, Parsers.PATH, "~/.cache/hotserve/state", null,
            "where a rollout writes down the stable version"),

    // Limits of what one client may ask (SECURITY.md's table).
    MAX_BODY_BYTES("HOTSERVE_MAX_BODY_BYTES", "--max-body-bytes", "max_body_bytes", Scope.SERVER, Parsers.BYTES_VALUE, "8MiB", null,
            "largest request body (bytes, or KiB/MiB/GiB)"),
    MAX_BATCH_ROWS("HOTSERVE_MAX_BATCH_ROWS", "--max-batch-rows", "max_batch_rows", Scope.SERVER, integer(1, 10_000_000), "8192", null,
            "most rows of one batch"),
    MAX_BENCHMARK_ITERATIONS("HOTSERVE_MAX_BENCHMARK_ITERATIONS", "--max-benchmark-iterations", "max_benchmark_iterations",
            Scope.SERVER, integer(1, 10_000_000), "10000", null, "most iterations of a benchmark request per batch size"),
    // 64 MiB of FP32: far above any policy's input, far below what would strain the heap.
    MAX_TENSOR_ELEMENTS("HOTSERVE_MAX_TENSOR_ELEMENTS", "--max-tensor-elements", "max_tensor_elements", Scope.SERVER,
            integer(1, Integer.MAX_VALUE - 16), "16777216", null, "most elements of one input tensor, checked on its shape"),
    MAX_INPUTS("HOTSERVE_MAX_INPUTS", "--max-inputs", "max_inputs", Scope.SERVER, integer(1, 1_000_000), "1024", null,
            "most input tensors of one inference request"),
    MAX_LOAD_BODY_BYTES("HOTSERVE_MAX_LOAD_BODY_BYTES", "--max-load-body-bytes", "max_load_body_bytes", Scope.SERVER,
            Parsers.LOAD_BODY_BYTES, "64KiB", null, "largest repository load request"),
    MAX_URL_BYTES("HOTSERVE_MAX_URL_BYTES", "--max-url-bytes", "max_url_bytes", Scope.SERVER, integer(256, 1 << 20), "4096", null,
            "longest request line"),
    MAX_HEADER_BYTES("HOTSERVE_MAX_HEADER_BYTES", "--max-header-bytes", "max_header_bytes", Scope.SERVER, integer(1024, 1 << 20),
            "16384", null, "most bytes of request headers"),
    // Tomcat's and Jetty's figure; real clients send a dozen.
    MAX_HEADERS("HOTSERVE_MAX_HEADERS", "--max-headers", "max_headers", Scope.SERVER, integer(8, 100_000), "100", null,
            "most request headers"),
    // 8 MiB in chunks of 128 bytes: any real streaming client, but not Triton's CVE-2025-23310 flood.
    MAX_BODY_CHUNKS("HOTSERVE_MAX_BODY_CHUNKS", "--max-body-chunks", "max_body_chunks", Scope.SERVER, integer(1, Integer.MAX_VALUE),
            "65536", null, "most chunks of a chunked request body"),
    // nginx's keepalive_timeout is 75 s; a load balancer's pool reuses a connection well within it.
    IDLE_TIMEOUT("HOTSERVE_IDLE_TIMEOUT", "--idle-timeout", "idle_timeout", Scope.SERVER, Parsers.IDLE_TIMEOUT, "60s", "DURATION",
            "close a keep-alive connection idle this long, at least 1s"),
    MAX_EVENT_STREAMS("HOTSERVE_MAX_EVENT_STREAMS", "--max-event-streams", "max_event_streams", Scope.SERVER, integer(1, 100_000), "64",
            null, "most dashboard event streams, an eighth per client"),

    SHUTDOWN_GRACE("HOTSERVE_SHUTDOWN_GRACE", "--shutdown-grace", "shutdown_grace", Scope.SERVER, Parsers.DURATION_VALUE, "10s",
            "DURATION", "time in-flight requests get at shutdown"),
    GRPC_PORT("HOTSERVE_GRPC_PORT", "--grpc-port", "grpc_port", Scope.SERVER, Parsers.GRPC_PORT, "8081", "PORT|off",
            "Open Inference Protocol gRPC port, 0 = any free, off = none");

    /** Where a setting applies, and so where its file key may stand. */
    public enum Scope {
        /** Flags and environment only: which config file, or the one model served without one. */
        LAUNCH,
        /** The whole server: a top-level key of the config file. */
        SERVER,
        /** Each model: a key of a model entry, or a top-level key as every model's default; flags and environment override both. */
        MODEL,
        /** As {@link #MODEL}, but read only for a model whose checkpoints are in an object store. */
        S3_SOURCE,
        /** Each model: a key of a model entry's {@code rollout} object; the environment overrides it. */
        ROLLOUT
    }

    private final String env;
    private final String flag;
    private final String fileKey;
    private final Scope scope;
    private final Parser<?> parser;
    private final String defaultText;
    private final String paramLabel;
    private final String help;

    Setting(String env, String flag, String fileKey, Scope scope, Parser<?> parser, String defaultText, String paramLabel, String help) {
        this.env = env;
        this.flag = flag;
        this.fileKey = fileKey;
        this.scope = scope;
        this.parser = parser;
        this.defaultText = defaultText;
        this.paramLabel = paramLabel;
        this.help = help;
    }

    public String env() {
        return env;
    }

    /** The command-line flag, or null: a setting of the rollout is set in the environment or the file only. */
    public String flag() {
        return flag;
    }

    /** The key in the config file (see {@link #scope()} for where it stands), or null. */
    public String fileKey() {
        return fileKey;
    }

    public Scope scope() {
        return scope;
    }

    /** The default as a user would write it ({@code 8MiB}, {@code 60s}), or empty: none, the setting is off or the core decides. */
    public Optional<String> defaultText() {
        return Optional.ofNullable(defaultText);
    }

    /** What the flag's value looks like in {@code --help}, or null for picocli's {@code <name>}. */
    public String paramLabel() {
        return paramLabel;
    }

    /** One line for {@code --help}, without the default and the variable, which {@link #description()} adds. */
    public String help() {
        return help;
    }

    /** The help line with the default and the environment variable, as {@code --help} shows it. */
    public String description() {
        return help + (defaultText == null ? "" : ", default " + defaultText) + " (" + env + ")";
    }

    /**
     * The value given, else the default, parsed by this setting's parser; empty when neither exists.
     * The default is parsed like a given value, so it is written only in this table.
     */
    public Optional<Object> read(Optional<Value> given) throws ConfigException {
        if (given.isPresent()) {
            return Optional.of(parser.parse(given.get()));
        }
        if (defaultText == null) {
            return Optional.empty();
        }
        return Optional.of(parser.parse(new Value(defaultText, "the default of " + env, Path.of(""))));
    }

    /** {@link #read} for a setting that has a default, as the type its parser gives. */
    <T> T read(Optional<Value> given, Class<T> type) throws ConfigException {
        return type.cast(read(given).orElseThrow(() -> new IllegalStateException(env + " has no default")));
    }

    /** {@link #read} for a setting that may have no value, as the type its parser gives. */
    <T> Optional<T> readOptional(Optional<Value> given, Class<T> type) throws ConfigException {
        return read(given).map(type::cast);
    }

    private static String written(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
