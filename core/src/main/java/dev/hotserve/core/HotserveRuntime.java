package dev.hotserve.core;

import dev.hotserve.source.local.DirectoryWatch;
import dev.hotserve.engine.Engines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every model of a process shares, so that the thread count does not grow with the number of
 * models: the engines (discovered once), one loader pool for background loads and polls, one
 * scheduler for the pollers, and one leak watch drained by that scheduler. A server makes one and
 * hands it to every {@link HotModel}; a model built without one makes its own and closes it with
 * itself.
 *
 * <pre>{@code
 * try (HotserveRuntime runtime = HotserveRuntime.create()) {
 *     HotModel a = HotModel.builder().name("a").runtime(runtime).build();
 *     HotModel b = HotModel.builder().name("b").runtime(runtime).build();
 * }
 * }</pre>
 */
public final class HotserveRuntime implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HotserveRuntime.class.getName());

    private final Engines engines;
    private final ThreadPoolExecutor loader;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ShadowThread shadow;
    private final int shadowQueue;
    private final LeakWatch leaks = new LeakWatch();
    private final DirectoryWatch watch = new DirectoryWatch();
    private final PrivateCopies privateCopies;

    private HotserveRuntime(Builder b) {
        this.engines = b.engines != null ? b.engines : Engines.discover();
        this.privateCopies = new PrivateCopies(b.privateCopies != null ? b.privateCopies : Path.of(System.getProperty("java.io.tmpdir")));
        this.loader = new ThreadPoolExecutor(b.loaderThreads, b.loaderThreads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemons("hotserve-loader-"));
        loader.allowCoreThreadTimeOut(true);
        // Shadow comparisons (rollout) of every model: one thread. Its tasks are drains of the
        // models' bounded sample queues (ShadowQueue), at most one waiting per model, so its own
        // queue is bounded by the number of models; a full sample queue skips, a response never waits.
        this.shadow = new ShadowThread("hotserve-shadow-1");
        this.shadowQueue = b.shadowQueue;
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemons("hotserve-scheduler-"));
        scheduler.setRemoveOnCancelPolicy(true);
        long every = b.leakCheckInterval.toNanos();
        scheduler.scheduleWithFixedDelay(this::checkQuietly, every, every, TimeUnit.NANOSECONDS);
    }

    public static HotserveRuntime create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The engines on the class path, discovered once for every model of this runtime. */
    public Engines engines() {
        return engines;
    }

    /** Runs background loads and polls of every model; its threads are bounded and idle ones time out. */
    Executor loader() {
        return loader;
    }

    /** Runs the shadow comparisons of every model, one batch at a time; refuses only once closed. */
    Executor shadow() {
        return shadow;
    }

    /** Sampled requests that may wait for the shadow comparison, per model; more are skipped. */
    int shadowQueue() {
        return shadowQueue;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    LeakWatch leaks() {
        return leaks;
    }

    /** Where the models' signed loads put the private copies their engines load. */
    PrivateCopies privateCopies() {
        return privateCopies;
    }

    /** Wakes models whose directory changed; its one thread starts with the first watched directory. */
    DirectoryWatch watch() {
        return watch;
    }

    /**
     * Reports and releases the leases found dropped without {@code close()} since the last check
     * (the scheduler does this every second); returns how many.
     */
    public int checkForLeakedLeases() {
        return leaks.drain();
    }

    private void checkQuietly() {
        try {
            leaks.drain();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "leak check failed", e);
        }
    }

    /** Stops the loader, the scheduler and the shadow thread; their threads end. Close the models first. Idempotent. */
    @Override
    public void close() {
        watch.close();
        scheduler.shutdownNow();
        loader.shutdownNow();
        shadow.close();
        try {
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS) || !loader.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "hotserve runtime: a loader or scheduler thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Settings of a runtime; every one has a default. */
    public static final class Builder {
        private Engines engines;
        private int loaderThreads = 2;
        private Duration leakCheckInterval = Duration.ofSeconds(1);
        private int shadowQueue = 256;
        private Path privateCopies;

        private Builder() {}

        /** Default: {@link Engines#discover()}. */
        public Builder engines(Engines engines) {
            this.engines = Objects.requireNonNull(engines, "engines");
            return this;
        }

        /** Background loads and polls that may run at once, over all models; default 2. */
        public Builder loaderThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("loader threads must be at least 1, was " + n);
            }
            this.loaderThreads = n;
            return this;
        }

        public Builder leakCheckInterval(Duration every) {
            Objects.requireNonNull(every, "leakCheckInterval");
            if (every.isNegative() || every.isZero()) {
                throw new IllegalArgumentException("leak check interval must be positive, was " + every);
            }
            this.leakCheckInterval = every;
            return this;
        }

        /**
         * Sampled requests of one model that may wait for the shadow comparison (README, "Rolling out a new policy safely"); more are
         * skipped. The shadow thread compares them up to {@value ShadowQueue#MAX_BATCH_ROWS} rows
         * per engine call. Default 256.
         */
        public Builder shadowQueue(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("shadow queue must be at least 1, was " + size);
            }
            this.shadowQueue = size;
            return this;
        }

        /**
         * The folder under which a load with signatures on ({@code warn}, {@code enforce}) puts the
         * private copy of a local checkpoint that it verifies and has the engine load: one folder
         * per copy, {@code rwx------}, deleted when the model closes. It must not be writable by
         * others unless it is sticky (as {@code /tmp} is). Default: {@code java.io.tmpdir}.
         */
        public Builder privateCopies(Path parent) {
            this.privateCopies = Objects.requireNonNull(parent, "privateCopies");
            return this;
        }

        public HotserveRuntime build() {
            return new HotserveRuntime(this);
        }
    }
}
