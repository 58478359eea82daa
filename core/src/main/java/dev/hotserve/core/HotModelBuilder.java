package dev.hotserve.core;

import dev.hotserve.source.CheckpointFiles;
import dev.hotserve.source.local.LocalSource;
import dev.hotserve.batch.BatchObserver;
import dev.hotserve.batch.Batching;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.source.CheckpointFormat;
import dev.hotserve.source.CheckpointSource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/** Builds a {@link HotModel}; every setting has a default. */
public final class HotModelBuilder {

    static final Duration MIN_MTIME_SLACK = Duration.ofMillis(20);
    /** How often a remote source is polled when no poll interval is given (README, "Run a fleet"). */
    static final Duration REMOTE_POLL_INTERVAL = Duration.ofSeconds(2);

    String name = "sac";
    Path file;
    Path directory;
    String glob = "model_*.{onnx,pt}";
    // Graph optimisation on: both engines measured faster with it at steady state (BENCHMARKS.md, item 6).
    LoadOptions loadOptions = LoadOptions.defaults().withOptimize(true);
    int expectedStateDim;
    ReloadMode mode = ReloadMode.BLOCKING;
    Duration pollInterval;
    Duration settleWindow = Duration.ofMillis(50);
    int historySize = 32;
    int eventLogSize = 256;
    ModelLoader loader;
    InstantSource clock = InstantSource.system();
    HotModel.Sleeper sleeper = d -> Thread.sleep(d);
    Executor executor;
    ScheduledExecutorService scheduler;
    CheckpointFiles files = CheckpointFiles.system();
    dev.hotserve.signing.SignatureMode signatures = dev.hotserve.signing.SignatureMode.OFF;
    dev.hotserve.signing.TrustedKeys trustedKeys = dev.hotserve.signing.TrustedKeys.none();
    Consumer<LeakedLease> leakListener;
    int leakSampling = 1024;
    boolean checkOnAcquire = true;
    final List<Consumer<ReloadEvent>> listeners = new ArrayList<>();
    Batching batching = Batching.OFF;
    RolloutPolicy rollout = RolloutPolicy.IMMEDIATE;
    Executor shadowExecutor;
    BatchObserver batchObserver = BatchObserver.NONE;
    CheckpointSource customSource;
    HotserveRuntime runtime;
    boolean watch;
    boolean followUpOnLoader;
    boolean optimizeAfterSwap;
    int warmLoads;
    IntSupplier requestsInFlight;
    final List<CheckpointFormat> formats = new ArrayList<>(CheckpointFormat.builtIn());

    HotModelBuilder() {}

    /**
     * Told about every reload event from the first load on (metrics, logs). Same contract as
     * {@link HotModel#addListener}, which misses the events recorded during {@link #build()}.
     */
    public HotModelBuilder listener(Consumer<ReloadEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Default {@code "sac"}; names the default directory {@code models/<name>/}. */
    public HotModelBuilder name(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("a model name must be non-blank without slashes, was '" + name + "'");
        }
        this.name = name;
        return this;
    }

    /** Tier 1: serve this file. */
    public HotModelBuilder file(Path file) {
        this.file = Objects.requireNonNull(file, "file");
        return this;
    }

    /** Tier 2: serve the newest file in this directory matching the glob. */
    public HotModelBuilder directory(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /** Names that are candidates in a directory; default {@code model_*.{onnx,pt}}. */
    public HotModelBuilder glob(String glob) {
        Objects.requireNonNull(glob, "glob");
        if (glob.isBlank()) {
            throw new IllegalArgumentException("glob must not be blank");
        }
        this.glob = glob;
        return this;
    }

    public HotModelBuilder loadOptions(LoadOptions options) {
        this.loadOptions = Objects.requireNonNull(options, "loadOptions");
        return this;
    }

    /** Refuse files whose input width differs. */
    public HotModelBuilder expectedStateDim(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("expected state_dim must be positive, was " + dim);
        }
        this.expectedStateDim = dim;
        return this;
    }

    public HotModelBuilder mode(ReloadMode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** Check for a newer file this often even with no traffic; null or zero: never. */
    public HotModelBuilder pollInterval(Duration interval) {
        if (interval != null && interval.isNegative()) {
            throw new IllegalArgumentException("poll interval must not be negative, was " + interval);
        }
        this.pollInterval = interval;
        return this;
    }

    /** How long a fresh file's fingerprint must stay unchanged before it is loaded; zero disables. Default 50 ms. */
    public HotModelBuilder settleWindow(Duration window) {
        Objects.requireNonNull(window, "settleWindow");
        if (window.isNegative()) {
            throw new IllegalArgumentException("settle window must not be negative, was " + window);
        }
        this.settleWindow = window;
        return this;
    }

    public HotModelBuilder historySize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("history size must be at least 1, was " + size);
        }
        this.historySize = size;
        return this;
    }

    public HotModelBuilder eventLogSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("event log size must be at least 1, was " + size);
        }
        this.eventLogSize = size;
        return this;
    }

    /** Default: {@code Engines.discover().load(file, options)}. */
    public HotModelBuilder loader(ModelLoader loader) {
        this.loader = Objects.requireNonNull(loader, "loader");
        return this;
    }

    public HotModelBuilder clock(InstantSource clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** How the settle window is waited; default {@link Thread#sleep(Duration)}. */
    public HotModelBuilder sleeper(HotModel.Sleeper sleeper) {
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        return this;
    }

    /** Where background loads run; default: the runtime's loader. */
    public HotModelBuilder executor(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** Runs the poller's ticks; default: the runtime's scheduler. */
    public HotModelBuilder scheduler(ScheduledExecutorService scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        return this;
    }

    public HotModelBuilder fileSystem(CheckpointFiles files) {
        this.files = Objects.requireNonNull(files, "fileSystem");
        return this;
    }

    /** Told about a lease dropped without close; default: a System.Logger warning with the acquirer's stack. */
    public HotModelBuilder leakListener(Consumer<LeakedLease> listener) {
        this.leakListener = Objects.requireNonNull(listener, "leakListener");
        return this;
    }

    /**
     * Watch one lease in {@code oneIn} for leaks (1: every lease, 0: none). Default 1024: a
     * watched lease costs a stack capture and a Cleaner registration, microseconds, while a
     * plain lease costs nanoseconds; a leak that repeats is still found quickly.
     */
    public HotModelBuilder leakDetectionSampling(int oneIn) {
        if (oneIn < 0) {
            throw new IllegalArgumentException("leak detection sampling must be >= 0, was " + oneIn);
        }
        this.leakSampling = oneIn;
        return this;
    }

    /**
     * Whether {@link HotModel#acquire()} checks freshness (default true: the seed's promise). Off,
     * a lease costs nanoseconds and newer files arrive only through the poller or
     * {@link HotModel#refresh()}.
     */
    public HotModelBuilder checkOnAcquire(boolean check) {
        this.checkOnAcquire = check;
        return this;
    }

    /**
     * Whether a local directory (or a file's directory) is watched, so a checkpoint renamed in
     * starts loading at once, before a request or poll notices it. Only an accelerator: freshness
     * is still checked on every request and poll. Off by default in the library, so loads happen
     * only when a caller or the poller asks (deterministic for tests); the server turns it on. The
     * real directory is watched, also under a {@link #fileSystem} of the caller's.
     */
    public HotModelBuilder watch(boolean on) {
        this.watch = on;
        return this;
    }

    /**
     * How many requests the application is handling now, for the adaptive queue delay
     * ({@link Batching#adaptiveDelay()}): a batch's leader waits only while it is more than one.
     * Default: the leases open on the serving version. The server counts its HTTP and gRPC requests,
     * which also sees the ones still being read.
     */
    public HotModelBuilder requestsInFlight(IntSupplier count) {
        this.requestsInFlight = Objects.requireNonNull(count, "requestsInFlight");
        return this;
    }

    /**
     * Whether a load that a request made (blocking mode) leaves its follow-up to the runtime's loader
     * threads: telling the listeners (log line, meters) and retiring the model it replaced. The
     * request is then answered by the new model first. Off by default in the library (the request's
     * thread does both once the load lock is released: deterministic for tests); the server turns
     * it on.
     */
    public HotModelBuilder followUpOnLoader(boolean on) {
        this.followUpOnLoader = on;
        return this;
    }

    /**
     * Whether a newer checkpoint that replaces the serving one is loaded with the engine's
     * optimisation off and loaded again, optimised, on the runtime's loader 50 ms after the swap,
     * under the same generation ({@link LoadOptions#optimizeLater()}; with {@link LoadOptions#optimize()}
     * on). A request that waits for the new checkpoint (blocking mode), and the pickup in either
     * mode, then does not wait for ONNX Runtime's graph optimiser: a third of a small model's
     * session creation. The price: the first moments of a version run the unoptimised graph, and
     * the file is loaded twice (the second time off every request's path). Only for a local
     * source with {@link RolloutPolicy#immediate() immediate} rollout. Off by default in the
     * library; the server turns it on.
     */
    public HotModelBuilder optimizeAfterSwap(boolean on) {
        this.optimizeAfterSwap = on;
        return this;
    }

    /**
     * After the first load, loads the serving checkpoint {@code times} times more in the background
     * and throws those models away ({@link WarmLoads}): the first pickup, hours later, then runs
     * code the JIT has compiled, as every later one does. 0 (the default) is off.
     */
    public HotModelBuilder warmLoads(int times) {
        if (times < 0) {
            throw new IllegalArgumentException("warm loads must not be negative, was " + times);
        }
        this.warmLoads = times;
        return this;
    }

    /** The {@link #watch} setting in effect: only a local source can be watched. */
    boolean watchesFiles() {
        return watch && customSource == null;
    }

    /**
     * Tier 0: where checkpoints come from, when neither a local {@link #file} nor a {@link #directory}
     * says it (an object store). The model closes the source when it closes.
     */
    public HotModelBuilder source(CheckpointSource source) {
        this.customSource = Objects.requireNonNull(source, "source");
        return this;
    }

    /**
     * The engines, threads and leak watch this model shares with others; default: a runtime of its
     * own, closed with it. Give many models one runtime so the thread count does not grow with them.
     */
    public HotModelBuilder runtime(HotserveRuntime runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        return this;
    }

    /**
     * One more format whose completeness a local source can check from the bytes (ONNX and ZIP are
     * built in); a file in no known format is loaded once it stayed unchanged for the settle window.
     */
    public HotModelBuilder format(CheckpointFormat format) {
        formats.add(0, Objects.requireNonNull(format, "format"));
        return this;
    }

    /**
     * Dynamic batching (README, "Dynamic batching"): concurrent requests on one loaded version share engine calls.
     * Off by default.
     */
    public HotModelBuilder batching(Batching batching) {
        this.batching = Objects.requireNonNull(batching, "batching");
        return this;
    }

    /** Told about every batched engine call (metrics). */
    public HotModelBuilder batchObserver(BatchObserver observer) {
        this.batchObserver = Objects.requireNonNull(observer, "batchObserver");
        return this;
    }

    /** How a new checkpoint goes live (README, "Rolling out a new policy safely"); default {@link RolloutPolicy#IMMEDIATE}. */
    public HotModelBuilder rollout(RolloutPolicy policy) {
        this.rollout = Objects.requireNonNull(policy, "rollout");
        return this;
    }

    /**
     * Where shadow comparisons run: the executor is handed one drain of the model's sample queue at
     * a time (a batch of up to {@value ShadowQueue#MAX_BATCH_ROWS} rows); the queue's size is the
     * runtime's {@link HotserveRuntime.Builder#shadowQueue}. Default: the runtime's one shadow
     * thread. Tests pass {@code Runnable::run} to compare on the request thread, deterministically.
     */
    public HotModelBuilder shadowExecutor(Executor executor) {
        this.shadowExecutor = Objects.requireNonNull(executor, "shadowExecutor");
        return this;
    }

    /**
     * README, "Signed checkpoints": what a load does with the checkpoint's {@code <file>.sig}: {@code OFF} (the default),
     * {@code WARN} (load, and log an unsigned or badly signed checkpoint) or {@code ENFORCE} (load only
     * what a {@linkplain #trustedKeys trusted key} signed; {@link #build()} refuses {@code ENFORCE} without one).
     */
    public HotModelBuilder signatures(dev.hotserve.signing.SignatureMode mode) {
        this.signatures = Objects.requireNonNull(mode, "signatures");
        return this;
    }

    /** The public keys and CA certificates a signature must chain to (README, "Signed checkpoints"); see {@link dev.hotserve.signing.TrustedKeys#load}. */
    public HotModelBuilder trustedKeys(dev.hotserve.signing.TrustedKeys keys) {
        this.trustedKeys = Objects.requireNonNull(keys, "trustedKeys");
        return this;
    }

    /** As {@link #trustedKeys(dev.hotserve.signing.TrustedKeys)}, read from PEM files now. */
    public HotModelBuilder trustedKeys(Path... pemFiles) {
        try {
            return trustedKeys(dev.hotserve.signing.TrustedKeys.load(java.util.List.of(pemFiles)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read a trusted key: " + e.getMessage(), e);
        } catch (dev.hotserve.signing.SignatureException e) {
            throw new IllegalArgumentException("not a trusted key: " + e.getMessage(), e);
        }
    }

    SignatureCheck signatureCheck() {
        return signatures == dev.hotserve.signing.SignatureMode.OFF ? SignatureCheck.OFF : new SignatureCheck(signatures, trustedKeys);
    }

    /** The source this builder describes; a local one is watched through {@code runtime}'s directory watch. */
    CheckpointSource source(HotserveRuntime runtime) {
        if (customSource != null) {
            return customSource;
        }
        // A model's timestamps may lag real time by one coarse tick; trust a listing once the
        // directory's mtime is older than that, and at least the settle window.
        Duration slack = settleWindow.compareTo(MIN_MTIME_SLACK) > 0 ? settleWindow : MIN_MTIME_SLACK;
        LocalSource.Options o = new LocalSource.Options(files, clock, settleWindow, slack, formats,
                signatures != dev.hotserve.signing.SignatureMode.OFF, runtime.watch());
        return file != null ? LocalSource.ofFile(file, o)
                : LocalSource.ofDirectory(directory != null ? directory : Path.of("models", name), glob, o);
    }

    /** Builds the model and tries a first load; a missing or broken file is recorded, never thrown. */
    public HotModel build() {
        if (file != null && directory != null) {
            throw new IllegalArgumentException("give either file(" + file + ") or directory(" + directory + "), not both");
        }
        if (customSource != null && (file != null || directory != null)) {
            throw new IllegalArgumentException("give either source(" + customSource.describe() + ") or a file or directory, not both");
        }
        signatureCheck(); // ENFORCE without a trusted key stops here, naming HOTSERVE_TRUSTED_KEYS
        return new HotModel(this);
    }
}
