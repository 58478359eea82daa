package dev.hotserve.server;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotserveRuntime;
import dev.hotserve.server.config.ModelConfig;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.grpc.GrpcFrontEnd;
import dev.hotserve.server.http.Compression;
import dev.hotserve.server.http.ConnectionClose;
import dev.hotserve.server.http.ErrorMapper;
import dev.hotserve.server.http.HeaderChecks;
import dev.hotserve.server.http.Http10Selector;
import dev.hotserve.server.http.Routes;
import dev.hotserve.server.inference.Access;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.Gate;
import dev.hotserve.server.inference.ModelFactory;
import dev.hotserve.server.inference.ModelRegistry;
import dev.hotserve.server.inference.Repository;
import dev.hotserve.server.inference.ServedModel;
import dev.hotserve.server.metrics.ServerMetrics;
import dev.hotserve.server.openapi.OpenApiDocument;
import dev.hotserve.server.openapi.RouteCatalog;
import dev.hotserve.server.ui.Dashboard;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One running server: its models (a registry that the model repository API changes at run time),
 * its metrics, its Helidon WebServer and, unless turned off, its gRPC server. Start-up never fails
 * because a model is missing or broken (the core records that and the model answers 503); only a
 * port that cannot be bound stops it. {@link #stop()} refuses new requests (503), lets in-flight
 * requests finish on both servers (up to the configured grace), stops the listeners, then closes
 * every model.
 */
public final class HotserveServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HotserveServer.class.getName());

    private final ServerConfig config;
    private final HotserveRuntime runtime;
    private final ModelRegistry registry;
    private final ServerMetrics metrics;
    private final WebServer web;
    private final Optional<GrpcFrontEnd> grpc;
    private final Gate gate;
    private final Dashboard dashboard;
    private final RouteCatalog catalog;
    private final Object stopLock = new Object();
    private boolean stopped;

    private HotserveServer(ServerConfig config, HotserveRuntime runtime, ModelRegistry registry, ServerMetrics metrics, WebServer web,
            Optional<GrpcFrontEnd> grpc, Gate gate, Dashboard dashboard, RouteCatalog catalog) {
        this.dashboard = dashboard;
        this.catalog = catalog;
        this.config = config;
        this.runtime = runtime;
        this.registry = registry;
        this.metrics = metrics;
        this.web = web;
        this.grpc = grpc;
        this.gate = gate;
    }

    /** Builds every model (each tries its first load), then binds and starts listening. */
    public static HotserveServer start(ServerConfig config) {
        LOG.log(System.Logger.Level.INFO, "starting on {0}:{1} with {2}, {3}, {4}", config.host(), Integer.toString(config.port()),
                config.auth(), config.limits(), describe(config.models()));
        exposureWarning(config).ifPresent(w -> LOG.log(System.Logger.Level.WARNING, w));
        ServerMetrics metrics = new ServerMetrics(InstantSource.system());
        // The engines, loader and scheduler threads every model shares: threads do not grow with models.
        HotserveRuntime runtime = HotserveRuntime.create();
        ModelRegistry registry = new ModelRegistry(new ModelFactory(metrics, runtime), config.shutdownGrace());
        GrpcFrontEnd grpc = null;
        Dashboard dashboard = null;
        try {
            for (ModelConfig m : config.models()) {
                registry.load(m);
            }
            Dispatcher dispatcher = new Dispatcher(registry, config.limits());
            // A load's config entry names where to load from: only once a key keeps anonymous clients from naming one.
            Repository repository = new Repository(registry, Path.of("").toAbsolutePath(),
                    config.auth().apiKey().isPresent() || config.auth().adminKey().isPresent());
            Routes routes = new Routes(config.auth(), dispatcher, repository, metrics);
            // The dashboard follows the registry: models loaded or unloaded at run time appear and go.
            dashboard = Dashboard.start(config, metrics, registry);
            Dashboard ui = dashboard;
            RouteCatalog catalog = new RouteCatalog();
            OpenApiDocument openapi = new OpenApiDocument(catalog);
            // Every listener is bound before anything is admitted (the gate opens below): a taken gRPC
            // port stops start-up before the HTTP port has answered a single health check.
            if (config.grpcPort().isPresent()) {
                grpc = startGrpc(config, dispatcher, repository, routes.gate(), metrics);
                LOG.log(System.Logger.Level.INFO, "gRPC (inference.GRPCInferenceService) bound to {0}:{1}", config.host(),
                        Integer.toString(grpc.port()));
            } else {
                LOG.log(System.Logger.Level.INFO, "gRPC is off (HOTSERVE_GRPC_PORT=off)");
            }
            // Helidon's wire log (at TRACE) would write request headers, keys included, into the log.
            Http1Config http1 = Http1Config.builder().receiveLog(false).sendLog(false)
                    .maxPrologueLength(config.limits().maxUrlBytes())
                    .maxHeadersSize(config.limits().maxHeaderBytes())
                    .build();
            WebServer web = WebServer.builder()
                    .host(config.host())
                    .port(config.port())
                    .shutdownHook(false) // our own hook stops the server, then closes the models, in that order
                    .shutdownGracePeriod(config.shutdownGrace())
                    .addProtocol(http1)
                    .addConnectionSelector(new Http10Selector(http1)) // tried before Helidon's own, which refuses HTTP/1.0
                    .contentEncoding(Compression.requestDecoding())
                    .idleConnectionTimeout(config.limits().idleTimeout())
                    // Helidon looks for idle connections on this period: a quarter of the timeout keeps the overshoot small.
                    .idleConnectionPeriod(idlePeriod(config.limits().idleTimeout()))
                    .routing(r -> {
                        HeaderChecks.register(r, config.limits().maxHeaders());
                        ConnectionClose.register(r);
                        Dashboard.securityHeaders(r);
                        // Recorded, so that /openapi.json describes exactly what is registered; the dashboard before the catch-all.
                        HttpRouting.Builder recorded = catalog.recording(r);
                        routes.registerInference(recorded); // first: routes are tried in order
                        ui.register(recorded);
                        openapi.register(recorded);
                        routes.register(recorded);
                    })
                    .build()
                    .start();
            if (!web.isRunning()) {
                // Helidon logs the cause (typically the port is taken) and returns a stopped server instead of throwing.
                throw new ServerStartException("cannot listen on " + config.host() + ":" + config.port()
                        + " (is the port taken? the cause is logged above)");
            }
            routes.gate().open();
            if (grpc != null) {
                grpc.serving();
            }
            LOG.log(System.Logger.Level.INFO, "listening on http://{0}:{1}", config.host(), Integer.toString(web.port()));
            return new HotserveServer(config, runtime, registry, metrics, web, Optional.ofNullable(grpc), routes.gate(), dashboard,
                    catalog);
        } catch (RuntimeException e) {
            if (grpc != null) {
                grpc.shutdownNow();
            }
            if (dashboard != null) {
                dashboard.close();
            }
            registry.close();
            runtime.close();
            throw e;
        }
    }

    /**
     * The gRPC listener, its failures labelled in the request metrics with the HTTP status REST
     * answers them with, so one query counts a kind of failure on either transport.
     */
    private static GrpcFrontEnd startGrpc(ServerConfig config, Dispatcher dispatcher, Repository repository, Gate gate,
            ServerMetrics metrics) {
        int port = config.grpcPort().getAsInt();
        try {
            return GrpcFrontEnd.start(config.host(), port, dispatcher, repository, new Access(config.auth()), gate, metrics,
                    ErrorMapper::status, config.limits());
        } catch (IOException e) {
            throw new ServerStartException("cannot listen for gRPC on " + config.host() + ":" + port
                    + " (is the port taken? set HOTSERVE_GRPC_PORT, or 'off'): " + e.getMessage(), e);
        }
    }

    /**
     * SECURITY.md: a server bound beyond the loopback interface with no API key lets anyone who
     * can reach it predict, read its models' details and (with no admin key) reload or roll back.
     */
    static Optional<String> exposureWarning(ServerConfig config) {
        boolean loopback;
        try {
            loopback = java.net.InetAddress.getByName(config.host()).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            loopback = false;
        }
        if (loopback || config.auth().apiKey().isPresent()) {
            return Optional.empty();
        }
        return Optional.of("listening on " + config.host() + ", beyond this machine, with no API key (HOTSERVE_API_KEY): anyone who can reach"
                + " the port can run the models, read their details" + (config.auth().adminKey().isPresent() ? ""
                        : " and reload, roll back or load models (set HOTSERVE_ADMIN_KEY too)") + "; see SECURITY.md");
    }

    private static Duration idlePeriod(Duration idleTimeout) {
        Duration quarter = idleTimeout.dividedBy(4);
        return quarter.compareTo(Duration.ofMillis(250)) < 0 ? Duration.ofMillis(250) : quarter;
    }

    /** The listener could not be started; nothing keeps running. */
    public static final class ServerStartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ServerStartException(String message) {
            super(message);
        }

        public ServerStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static String describe(List<ModelConfig> models) {
        return models.stream().map(m -> m.name() + " <- " + m.source() + " (" + m.mode().name().toLowerCase() + ", poll "
                + m.pollInterval() + ", jit " + m.jit() + ")").collect(Collectors.joining("; ", "models: ", ""));
    }

    /** The bound HTTP port (useful with port 0). */
    public int port() {
        return web.port();
    }

    /** The bound gRPC port, when gRPC is on. */
    public Optional<Integer> grpcPort() {
        return grpc.map(GrpcFrontEnd::port);
    }

    public ServerConfig config() {
        return config;
    }

    /** The models served now, by name. */
    public Map<String, HotModel> models() {
        return registry.all().stream().collect(Collectors.toUnmodifiableMap(ServedModel::name, ServedModel::model));
    }

    public ModelRegistry registry() {
        return registry;
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
     * Stops accepting requests on both servers, waits for in-flight ones (the shutdown grace
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
        grpc.ifPresent(GrpcFrontEnd::shutdown); // no new calls; calls in flight go on
        try {
            if (!gate.closeAndAwait(config.shutdownGrace())) {
                LOG.log(System.Logger.Level.WARNING, "{0} requests still running after the shutdown grace of {1}; closing anyway",
                        gate.active(), config.shutdownGrace());
            }
            if (grpc.isPresent()) {
                grpc.get().awaitTermination(config.shutdownGrace());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            web.stop();
        } finally {
            grpc.ifPresent(GrpcFrontEnd::shutdownNow);
            registry.close();
            runtime.close();
            metrics.close();
            LOG.log(System.Logger.Level.INFO, "stopped; every model closed");
        }
    }

    @Override
    public void close() {
        stop();
    }

}
