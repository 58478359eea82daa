package dev.hotserve.server;

import dev.hotserve.server.config.ConfigException;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.config.Setting;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hotserve serve [flags]}: the command line. Flags override environment variables, which override the config file. */
@Command(name = "hotserve", mixinStandardHelpOptions = true, version = "hotserve 0.1.0",
        description = "Serves ONNX and TorchScript models over HTTP and hot-reloads newer checkpoints.",
        subcommands = {Main.Serve.class, SigningCommands.Sign.class, SigningCommands.Verify.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // logging.properties from the class path: one line per record, INFO and up.
        io.helidon.logging.common.LogConfig.configureRuntime();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Starts the server and blocks until SIGTERM / SIGINT, which drain and close it. */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Start the server. Every flag has an environment variable (shown) that it overrides.")
    static final class Serve implements Callable<Integer> {

        @Option(names = "--config", paramLabel = "FILE", description = "YAML/JSON config file with several models (HOTSERVE_CONFIG)")
        String config;
        @Option(names = "--host", description = "listen address, default 127.0.0.1 (HOTSERVE_HOST)")
        String host;
        @Option(names = "--port", description = "listen port, default 8080, 0 = any free (HOTSERVE_PORT)")
        String port;
        @Option(names = "--model", paramLabel = "FILE", description = "serve this checkpoint file (HOTSERVE_MODEL)")
        String model;
        @Option(names = "--model-dir", paramLabel = "DIR", description = "serve the newest matching file of this directory (HOTSERVE_MODEL_DIR)")
        String modelDir;
        @Option(names = "--name", description = "URL name of the single model, default sac (HOTSERVE_MODEL_NAME)")
        String name;
        @Option(names = "--glob", description = "candidate file names in --model-dir, default model_*.{onnx,pt} (HOTSERVE_MODEL_GLOB)")
        String glob;
        @Option(names = "--source", paramLabel = "s3://BUCKET/PREFIX/",
                description = "follow checkpoints in an object store: its LATEST pointer, else the newest matching key (HOTSERVE_SOURCE)")
        String source;
        @Option(names = "--s3-endpoint", paramLabel = "URL", description = "an S3-compatible store (MinIO, Ceph, ...) instead of AWS (HOTSERVE_S3_ENDPOINT)")
        String s3Endpoint;
        @Option(names = "--cache-dir", paramLabel = "DIR", description = "where S3 checkpoints are staged, default ~/.cache/hotserve (HOTSERVE_CACHE_DIR)")
        String cacheDir;
        @Option(names = "--cache-keep", description = "staged S3 checkpoints kept per model for rollback, default 3 (HOTSERVE_CACHE_KEEP)")
        String cacheKeep;
        @Option(names = "--api-key", description = "bearer key for every route but health (HOTSERVE_API_KEY; prefer the variable: flags show in ps)")
        String apiKey;
        @Option(names = "--admin-key", description = "bearer key for reload, rollback, unpin, benchmark (HOTSERVE_ADMIN_KEY)")
        String adminKey;
        @Option(names = "--jit", paramLabel = "1|0", description = "engine graph optimisation on/off, default 1 (HOTSERVE_JIT)")
        String jit;
        @Option(names = "--reload-mode", paramLabel = "blocking|background", description = "default blocking (HOTSERVE_RELOAD_MODE)")
        String reloadMode;
        @Option(names = "--poll-interval", paramLabel = "DURATION", description = "e.g. 5s, 500ms; 0 = off, default 0 (2s for an S3 source) (HOTSERVE_POLL_INTERVAL)")
        String pollInterval;
        @Option(names = "--threads", description = "intra-op threads per model, default 1 (HOTSERVE_THREADS)")
        String threads;
        @Option(names = "--settle-window", paramLabel = "DURATION",
                description = "a fresh file must stay unchanged this long before it loads, default 50ms (HOTSERVE_SETTLE_WINDOW)")
        String settleWindow;
        @Option(names = "--state-dim", description = "refuse checkpoints of another input width (HOTSERVE_STATE_DIM)")
        String stateDim;
        @Option(names = "--max-batch-size", description = "dynamic batching: most rows per engine call, 0 = off, default 0 (HOTSERVE_MAX_BATCH_SIZE)")
        String maxBatchSize;
        @Option(names = "--max-queue-delay", paramLabel = "DURATION",
                description = "dynamic batching: wait this long for a batch to fill, default 0: never wait (HOTSERVE_MAX_QUEUE_DELAY)")
        String maxQueueDelay;
        @Option(names = "--adaptive-queue-delay", paramLabel = "BOOL",
                description = "dynamic batching: wait the queue delay only while other requests are in flight, so a lone request never waits;"
                        + " default false: Triton's semantics (HOTSERVE_ADAPTIVE_QUEUE_DELAY)")
        String adaptiveQueueDelay;
        @Option(names = "--max-body-bytes", description = "default 8MiB (HOTSERVE_MAX_BODY_BYTES)")
        String maxBodyBytes;
        @Option(names = "--max-batch-rows", description = "default 8192 (HOTSERVE_MAX_BATCH_ROWS)")
        String maxBatchRows;
        @Option(names = "--max-benchmark-iterations", description = "default 10000 (HOTSERVE_MAX_BENCHMARK_ITERATIONS)")
        String maxBenchmarkIterations;
        @Option(names = "--max-tensor-elements", description = "most elements of one input tensor, default 16777216 (HOTSERVE_MAX_TENSOR_ELEMENTS)")
        String maxTensorElements;
        @Option(names = "--max-inputs", description = "most input tensors of one inference request, default 1024 (HOTSERVE_MAX_INPUTS)")
        String maxInputs;
        @Option(names = "--max-load-body-bytes", description = "largest repository load request, default 64KiB (HOTSERVE_MAX_LOAD_BODY_BYTES)")
        String maxLoadBodyBytes;
        @Option(names = "--max-url-bytes", description = "longest request line, default 4096 (HOTSERVE_MAX_URL_BYTES)")
        String maxUrlBytes;
        @Option(names = "--max-header-bytes", description = "most bytes of request headers, default 16384 (HOTSERVE_MAX_HEADER_BYTES)")
        String maxHeaderBytes;
        @Option(names = "--max-headers", description = "most request headers, default 100 (HOTSERVE_MAX_HEADERS)")
        String maxHeaders;
        @Option(names = "--max-body-chunks", description = "most chunks of a chunked request body, default 65536 (HOTSERVE_MAX_BODY_CHUNKS)")
        String maxBodyChunks;
        @Option(names = "--idle-timeout", paramLabel = "DURATION", description = "close a keep-alive connection idle this long, default 60s (HOTSERVE_IDLE_TIMEOUT)")
        String idleTimeout;
        @Option(names = "--max-event-streams", description = "most dashboard event streams, an eighth per client, default 64 (HOTSERVE_MAX_EVENT_STREAMS)")
        String maxEventStreams;
        @Option(names = "--shutdown-grace", paramLabel = "DURATION", description = "time in-flight requests get at shutdown, default 10s (HOTSERVE_SHUTDOWN_GRACE)")
        String shutdownGrace;
        @Option(names = "--grpc-port", paramLabel = "PORT|off",
                description = "Open Inference Protocol gRPC port, default 8081, 0 = any free, off = none (HOTSERVE_GRPC_PORT)")
        String grpcPort;
        @Option(names = "--signatures", paramLabel = "off|warn|enforce",
                description = "checkpoint signatures (<checkpoint>.sig, SPEC §16), default off (HOTSERVE_SIGNATURES)")
        String signatures;
        @Option(names = "--trusted-keys", paramLabel = "PEM[,PEM...]",
                description = "public keys and CA certificates a signature must chain to (HOTSERVE_TRUSTED_KEYS)")
        String trustedKeys;

        Map<Setting, String> flags() {
            Map<Setting, String> f = new EnumMap<>(Setting.class);
            put(f, Setting.CONFIG, config);
            put(f, Setting.HOST, host);
            put(f, Setting.PORT, port);
            put(f, Setting.MODEL, model);
            put(f, Setting.MODEL_DIR, modelDir);
            put(f, Setting.MODEL_NAME, name);
            put(f, Setting.MODEL_GLOB, glob);
            put(f, Setting.SOURCE, source);
            put(f, Setting.S3_ENDPOINT, s3Endpoint);
            put(f, Setting.CACHE_DIR, cacheDir);
            put(f, Setting.CACHE_KEEP, cacheKeep);
            put(f, Setting.API_KEY, apiKey);
            put(f, Setting.ADMIN_KEY, adminKey);
            put(f, Setting.JIT, jit);
            put(f, Setting.RELOAD_MODE, reloadMode);
            put(f, Setting.POLL_INTERVAL, pollInterval);
            put(f, Setting.THREADS, threads);
            put(f, Setting.SETTLE_WINDOW, settleWindow);
            put(f, Setting.STATE_DIM, stateDim);
            put(f, Setting.MAX_BATCH_SIZE, maxBatchSize);
            put(f, Setting.MAX_QUEUE_DELAY, maxQueueDelay);
            put(f, Setting.ADAPTIVE_QUEUE_DELAY, adaptiveQueueDelay);
            put(f, Setting.MAX_BODY_BYTES, maxBodyBytes);
            put(f, Setting.MAX_BATCH_ROWS, maxBatchRows);
            put(f, Setting.MAX_BENCHMARK_ITERATIONS, maxBenchmarkIterations);
            put(f, Setting.MAX_TENSOR_ELEMENTS, maxTensorElements);
            put(f, Setting.MAX_INPUTS, maxInputs);
            put(f, Setting.MAX_LOAD_BODY_BYTES, maxLoadBodyBytes);
            put(f, Setting.MAX_URL_BYTES, maxUrlBytes);
            put(f, Setting.MAX_HEADER_BYTES, maxHeaderBytes);
            put(f, Setting.MAX_HEADERS, maxHeaders);
            put(f, Setting.MAX_BODY_CHUNKS, maxBodyChunks);
            put(f, Setting.IDLE_TIMEOUT, idleTimeout);
            put(f, Setting.MAX_EVENT_STREAMS, maxEventStreams);
            put(f, Setting.SHUTDOWN_GRACE, shutdownGrace);
            put(f, Setting.GRPC_PORT, grpcPort);
            put(f, Setting.SIGNATURES, signatures);
            put(f, Setting.TRUSTED_KEYS, trustedKeys);
            return f;
        }

        private static void put(Map<Setting, String> f, Setting s, String v) {
            if (v != null) {
                f.put(s, v);
            }
        }

        @Override
        public Integer call() throws InterruptedException {
            ServerConfig cfg;
            try {
                cfg = ConfigLoader.load(flags(), System.getenv(), Path.of("").toAbsolutePath());
            } catch (ConfigException e) {
                System.err.println("hotserve: configuration error: " + e.getMessage());
                return 2;
            }
            HotserveServer server;
            try {
                server = HotserveServer.start(cfg);
            } catch (HotserveServer.ServerStartException | UncheckedIOException e) {
                System.err.println("hotserve: " + e.getMessage());
                return 1;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // java.util.logging resets its handlers in its own shutdown hook, which runs
                // concurrently with this one: these two lines go straight to stderr so they always show.
                System.err.println("hotserve: stopping: refusing new requests, draining in-flight ones");
                server.stop();
                System.err.println("hotserve: stopped; every model closed");
                stopped.countDown();
            }, "hotserve-shutdown"));
            stopped.await();
            return 0;
        }
    }
}
