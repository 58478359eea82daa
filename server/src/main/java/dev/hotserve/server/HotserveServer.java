package dev.hotserve.server;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotModelBuilder;
import dev.hotserve.core.HotserveRuntime;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.server.config.ModelConfig;
import dev.hotserve.server.config.ModelSource;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.http.Gate;
import dev.hotserve.server.http.Routes;
import dev.hotserve.server.metrics.ServerMetrics;
import dev.hotserve.server.openapi.OpenApiDocument;
import dev.hotserve.server.openapi.RouteCatalog;
import dev.hotserve.server.ui.Dashboard;
import dev.hotserve.source.s3.S3CheckpointSource;
import dev.hotserve.source.s3.S3SourceSettings;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One running server: its models, its metrics and its Helidon WebServer. Start-up never fails
 * because a model is missing or broken (the core records that and the model answers 503); only a
 * port that cannot be bound stops it. {@link #stop()} refuses new requests (503), lets in-flight
 * requests finish (up to the configured grace), stops the listener, then closes every model.
 */
public final class HotserveServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HotserveServer.class.getName());
    static final String DEMO_RESOURCE = "/dev/hotserve/server/demo/model_demo.onnx";

    private final ServerConfig config;
    private final List<HotModel> models;
    private final ServerMetrics metrics;
    private final WebServer web;
    private final Gate gate;
    private final Dashboard dashboard;
    private final RouteCatalog catalog;
    private final Path demoDir;
    private final Object stopLock = new Object();
    private boolean stopped;

    /** The engines, loader and scheduler threads every model shares: threads do not grow with models. */
    private final HotserveRuntime runtime;

    private HotserveServer(ServerConfig config, HotserveRuntime runtime, List<HotModel> models, ServerMetrics metrics, WebServer web,
            Gate gate, Dashboard dashboard, RouteCatalog catalog, Path demoDir) {
        this.config = config;
        this.runtime = runtime;
        this.dashboard = dashboard;
        this.catalog = catalog;
        this.models = models;
        this.metrics = metrics;
        this.web = web;
        this.gate = gate;
        this.demoDir = demoDir;
    }

    /** Builds every model (each tries its first load), then binds and starts listening. */
    public static HotserveServer start(ServerConfig config) {
        LOG.log(System.Logger.Level.INFO, "starting on {0}:{1} with {2}, {3}, {4}", config.host(), Integer.toString(config.port()),
                config.auth(), config.limits(), describe(config.models()));
        Path demoDir = null;
        Dashboard dashboard = null;
        List<HotModel> models = new ArrayList<>();
        ServerMetrics metrics = new ServerMetrics(InstantSource.system());
        HotserveRuntime runtime = HotserveRuntime.create();
        try {
            for (ModelConfig m : config.models()) {
                HotModelBuilder b = HotModel.builder()
                        .name(m.name())
                        .runtime(runtime)
                        .loadOptions(new LoadOptions(m.jit(), m.threads(), OptionalInt.empty()))
                        .mode(m.mode())
                        .pollInterval(m.pollInterval())
                        .batching(m.batching())
                        .rollout(m.rollout())
                        .batchObserver(metrics.batchObserver(m.name()))
                        .listener(metrics.reloadListener(m.name()));
                m.settleWindow().ifPresent(b::settleWindow);
                m.stateDim().ifPresent(b::expectedStateDim);
                switch (m.source()) {
                    case ModelSource.File f -> b.file(f.path());
                    case ModelSource.Directory d -> {
                        b.directory(d.dir());
                        d.glob().ifPresent(b::glob);
                    }
                    case ModelSource.S3 s3 -> b.source(openS3(s3));
                    case ModelSource.Demo demo -> {
                        if (demoDir == null) {
                            demoDir = Files.createTempDirectory("hotserve-demo");
                        }
                        b.file(copyDemo(demoDir, m.name()));
                    }
                }
                HotModel model = b.build();
                models.add(model);
                metrics.bind(model);
                LOG.log(System.Logger.Level.INFO, "model {0}: {1}", m.name(), model.current()
                        .map(v -> "serving " + v.path() + " (generation " + v.generation() + ", " + v.engine() + ")")
                        .orElseGet(() -> "no model yet (" + model.status().lastError().map(f -> f.path() + ": " + f.reason())
                                .orElse("no checkpoint at " + model.status().source()) + "); answering 503 until one loads"));
            }
            Routes routes = new Routes(config.auth(), config.limits(), metrics);
            List<HotModel> served = List.copyOf(models);
            dashboard = Dashboard.start(config, metrics, () -> served);
            Dashboard ui = dashboard;
            RouteCatalog catalog = new RouteCatalog();
            OpenApiDocument openapi = new OpenApiDocument(catalog);
            WebServer web = WebServer.builder()
                    .host(config.host())
                    .port(config.port())
                    .shutdownHook(false) // our own hook stops the server, then closes the models, in that order
                    .shutdownGracePeriod(config.shutdownGrace())
                    // Helidon's wire log (at TRACE) would write request headers, keys included, into the log.
                    .addProtocol(Http1Config.builder().receiveLog(false).sendLog(false).build())
                    .routing(r -> {
                        // Recorded, so that /openapi.json describes exactly what is registered; the dashboard before the catch-all.
                        HttpRouting.Builder recorded = catalog.recording(r);
                        ui.register(recorded);
                        openapi.register(recorded);
                        routes.register(recorded, models);
                    })
                    .build()
                    .start();
            if (!web.isRunning()) {
                // Helidon logs the cause (typically the port is taken) and returns a stopped server instead of throwing.
                throw new ServerStartException("cannot listen on " + config.host() + ":" + config.port()
                        + " (is the port taken? the cause is logged above)");
            }
            LOG.log(System.Logger.Level.INFO, "listening on http://{0}:{1}", config.host(), Integer.toString(web.port()));
            return new HotserveServer(config, runtime, served, metrics, web, routes.gate(), dashboard, catalog, demoDir);
        } catch (IOException e) {
            closeIfStarted(dashboard);
            models.forEach(HotModel::close);
            runtime.close();
            deleteDemo(demoDir);
            throw new UncheckedIOException("cannot set up the bundled demo model", e);
        } catch (RuntimeException e) {
            closeIfStarted(dashboard);
            models.forEach(HotModel::close);
            runtime.close();
            deleteDemo(demoDir);
            throw e;
        }
    }

    /**
     * The model's S3 source, polled once here so that the first checkpoint loads during start-up
     * as a local one would (a store that cannot be reached costs one refused connection or the
     * call timeout, and the model answers 503 until a later poll succeeds).
     */
    private static S3CheckpointSource openS3(ModelSource.S3 s3) {
        S3SourceSettings settings = S3SourceSettings.of(s3.location(), s3.endpoint(), s3.cacheDir()).withKeepStaged(s3.keepStaged());
        if (s3.glob().isPresent()) {
            settings = settings.withGlob(s3.glob().get());
        }
        S3CheckpointSource source = S3CheckpointSource.open(settings, InstantSource.system());
        source.poll();
        return source;
    }

    /** The listener could not be started; nothing keeps running. */
    public static final class ServerStartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ServerStartException(String message) {
            super(message);
        }
    }

    private static Path copyDemo(Path dir, String name) throws IOException {
        Path target = dir.resolve(name + "_demo.onnx");
        try (InputStream in = HotserveServer.class.getResourceAsStream(DEMO_RESOURCE)) {
            if (in == null) {
                // Not fatal: the model answers 503 and its info says the file is missing.
                LOG.log(System.Logger.Level.WARNING, "the bundled demo model {0} is not on the class path", DEMO_RESOURCE);
                return target;
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static String describe(List<ModelConfig> models) {
        return models.stream().map(m -> m.name() + " <- " + m.source() + " (" + m.mode().name().toLowerCase() + ", poll "
                + m.pollInterval() + ", jit " + m.jit() + ")").collect(Collectors.joining("; ", "models: ", ""));
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return web.port();
    }

    public ServerConfig config() {
        return config;
    }

    public Map<String, HotModel> models() {
        return models.stream().collect(Collectors.toUnmodifiableMap(HotModel::name, Function.identity()));
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    public Dashboard dashboard() {
        return dashboard;
    }

    /** Every route registered at start-up, as /openapi.json is checked against. */
    public List<RouteCatalog.Route> routes() {
        return catalog.routes();
    }

    public boolean isRunning() {
        return web.isRunning();
    }

    /**
     * Stops accepting connections, waits for in-flight requests (Helidon's shutdown grace
     * period), then closes every model. Idempotent; safe from a shutdown hook.
     */
    public void stop() {
        synchronized (stopLock) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        // Open dashboard pages hold streams that never end by themselves: end them first.
        dashboard.close();
        LOG.log(System.Logger.Level.INFO, "stopping: refusing new requests, draining {0} in flight", gate.active());
        try {
            if (!gate.closeAndAwait(config.shutdownGrace())) {
                LOG.log(System.Logger.Level.WARNING, "{0} requests still running after the shutdown grace of {1}; closing anyway",
                        gate.active(), config.shutdownGrace());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            web.stop();
        } finally {
            for (HotModel m : models) {
                try {
                    m.close();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "closing model " + m.name(), e);
                }
            }
            runtime.close();
            metrics.close();
            deleteDemo(demoDir);
            LOG.log(System.Logger.Level.INFO, "stopped; every model closed");
        }
    }

    private static void closeIfStarted(Dashboard dashboard) {
        if (dashboard != null) {
            dashboard.close();
        }
    }

    private static void deleteDemo(Path demoDir) {
        if (demoDir == null) {
            return;
        }
        try (var files = Files.list(demoDir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(demoDir);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not delete " + demoDir, e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
