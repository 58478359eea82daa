package dev.hotserve.server.config;

/**
 * Every setting, with its three spellings: environment variable, command-line flag and key in
 * the config file (null when the file cannot set it). One table, so that a message about a bad
 * value can always name the place it came from.
 */
public enum Setting {
    CONFIG("HOTSERVE_CONFIG", "--config", null),
    HOST("HOTSERVE_HOST", "--host", "host"),
    PORT("HOTSERVE_PORT", "--port", "port"),
    MODEL("HOTSERVE_MODEL", "--model", null),
    MODEL_DIR("HOTSERVE_MODEL_DIR", "--model-dir", null),
    MODEL_NAME("HOTSERVE_MODEL_NAME", "--name", null),
    MODEL_GLOB("HOTSERVE_MODEL_GLOB", "--glob", null),
    SOURCE("HOTSERVE_SOURCE", "--source", null),
    S3_ENDPOINT("HOTSERVE_S3_ENDPOINT", "--s3-endpoint", "s3_endpoint"),
    CACHE_DIR("HOTSERVE_CACHE_DIR", "--cache-dir", "cache_dir"),
    CACHE_KEEP("HOTSERVE_CACHE_KEEP", "--cache-keep", "cache_keep"),
    API_KEY("HOTSERVE_API_KEY", "--api-key", "api_key"),
    ADMIN_KEY("HOTSERVE_ADMIN_KEY", "--admin-key", "admin_key"),
    JIT("HOTSERVE_JIT", "--jit", "jit"),
    RELOAD_MODE("HOTSERVE_RELOAD_MODE", "--reload-mode", "reload_mode"),
    POLL_INTERVAL("HOTSERVE_POLL_INTERVAL", "--poll-interval", "poll_interval"),
    THREADS("HOTSERVE_THREADS", "--threads", "threads"),
    SETTLE_WINDOW("HOTSERVE_SETTLE_WINDOW", "--settle-window", "settle_window"),
    STATE_DIM("HOTSERVE_STATE_DIM", "--state-dim", "state_dim"),
    MAX_BATCH_SIZE("HOTSERVE_MAX_BATCH_SIZE", "--max-batch-size", "max_batch_size"),
    MAX_QUEUE_DELAY("HOTSERVE_MAX_QUEUE_DELAY", "--max-queue-delay", "max_queue_delay"),
    ADAPTIVE_QUEUE_DELAY("HOTSERVE_ADAPTIVE_QUEUE_DELAY", "--adaptive-queue-delay", "adaptive_queue_delay"),
    MAX_BODY_BYTES("HOTSERVE_MAX_BODY_BYTES", "--max-body-bytes", "max_body_bytes"),
    MAX_BATCH_ROWS("HOTSERVE_MAX_BATCH_ROWS", "--max-batch-rows", "max_batch_rows"),
    MAX_BENCHMARK_ITERATIONS("HOTSERVE_MAX_BENCHMARK_ITERATIONS", "--max-benchmark-iterations", "max_benchmark_iterations"),
    MAX_TENSOR_ELEMENTS("HOTSERVE_MAX_TENSOR_ELEMENTS", "--max-tensor-elements", "max_tensor_elements"),
    MAX_INPUTS("HOTSERVE_MAX_INPUTS", "--max-inputs", "max_inputs"),
    MAX_LOAD_BODY_BYTES("HOTSERVE_MAX_LOAD_BODY_BYTES", "--max-load-body-bytes", "max_load_body_bytes"),
    MAX_URL_BYTES("HOTSERVE_MAX_URL_BYTES", "--max-url-bytes", "max_url_bytes"),
    MAX_HEADER_BYTES("HOTSERVE_MAX_HEADER_BYTES", "--max-header-bytes", "max_header_bytes"),
    MAX_HEADERS("HOTSERVE_MAX_HEADERS", "--max-headers", "max_headers"),
    MAX_BODY_CHUNKS("HOTSERVE_MAX_BODY_CHUNKS", "--max-body-chunks", "max_body_chunks"),
    IDLE_TIMEOUT("HOTSERVE_IDLE_TIMEOUT", "--idle-timeout", "idle_timeout"),
    MAX_EVENT_STREAMS("HOTSERVE_MAX_EVENT_STREAMS", "--max-event-streams", "max_event_streams"),
    SHUTDOWN_GRACE("HOTSERVE_SHUTDOWN_GRACE", "--shutdown-grace", "shutdown_grace"),
    GRPC_PORT("HOTSERVE_GRPC_PORT", "--grpc-port", "grpc_port"),
    SIGNATURES("HOTSERVE_SIGNATURES", "--signatures", "signatures"),
    TRUSTED_KEYS("HOTSERVE_TRUSTED_KEYS", "--trusted-keys", "trusted_keys");

    private final String env;
    private final String flag;
    private final String fileKey;

    Setting(String env, String flag, String fileKey) {
        this.env = env;
        this.flag = flag;
        this.fileKey = fileKey;
    }

    public String env() {
        return env;
    }

    public String flag() {
        return flag;
    }

    /** The top-level key in the config file, or null. */
    public String fileKey() {
        return fileKey;
    }
}
