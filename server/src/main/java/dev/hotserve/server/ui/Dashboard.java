package dev.hotserve.server.ui;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.hotserve.core.HotModel;
import dev.hotserve.core.ModelStatus;
import dev.hotserve.core.ReloadEvent;
import dev.hotserve.server.config.AuthConfig;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.config.ModelConfig;
import dev.hotserve.server.config.ModelSource;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.http.Access;
import dev.hotserve.server.http.ErrorMapper;
import dev.hotserve.server.http.HttpError;
import dev.hotserve.server.inference.AccessDeniedException;
import dev.hotserve.server.http.JsonCodec;
import dev.hotserve.server.http.Reply;
import dev.hotserve.server.metrics.ServerMetrics;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.common.socket.SocketWriterException;
import io.helidon.http.Method;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The live dashboard (SPEC §12): the page at {@code /ui/}, its files, and the event stream
 * {@code /ui/stream} that feeds it.
 *
 * <h2>The stream</h2>
 * A {@code text/event-stream} with four events, each one line of JSON:
 * <ul>
 *   <li>{@code snapshot}, first, and again when models come or go: every model's state and its
 *       last 15 minutes of figures;
 *   <li>{@code model}, when a model records a reload event (load, failure, rollback, pin, and
 *       whatever the rollout adds): that model's state, sent as soon as the event is recorded;
 *   <li>{@code info} {@code {name, info}}, checked each second, when a model's info changed
 *       without a reload event (a rollout's drift and traffic, a file still being written, the
 *       batch queue, the source's health);
 *   <li>{@code tick}, each second: the time ({@code t}, epoch milliseconds) and each model's
 *       requests per second, p50 and p99 latency in ms (and batch figures when it batches) over
 *       that second.
 * </ul>
 * A model's state is {@code {name, info, history, events}}, where {@code info}, {@code history}
 * and {@code events} are exactly the bodies of the model's JSON routes (events: the newest
 * {@value #EVENTS_SENT}), so whatever those routes gain (rollout, source health) the page gets too.
 * The stream needs the same key as those routes and never carries a key.
 *
 * <h2>Threads</h2>
 * One scheduler thread for all models samples the metrics into each model's ring (always, so
 * the charts have history when a page opens) and publishes ticks and model changes. Each open
 * stream is one request thread (Helidon's virtual threads) waiting on its own bounded queue; at
 * most {@code HOTSERVE_MAX_EVENT_STREAMS} (64) are open, an eighth of them per remote address, so
 * an unauthenticated client cannot lock real viewers out. {@link #close()} ends them all, so a
 * stopping server is not held up by pages that are open.
 *
 * <h2>Freshness while watched</h2>
 * While at least one page is open, models whose checkpoints are local files are checked for a
 * newer file every {@code 250 ms} (a stat or two, what a request does; a load happens off the
 * scheduler thread, at most one per model at a time), so a new checkpoint shows within a second
 * even with no traffic and no poller. Models with a remote source are left to their own poller.
 */
public final class Dashboard implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Dashboard.class.getName());

    static final int WINDOW_SAMPLES = 900;
    static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(1);
    static final Duration WATCH_INTERVAL = Duration.ofMillis(250);
    static final Duration KEEPALIVE = Duration.ofSeconds(15);
    /** Frames queued per stream before it counts as stalled: about four minutes of ticks. */
    static final int STREAM_QUEUE = 256;
    static final int EVENTS_SENT = 100;

    private static final HeaderName NOSNIFF = HeaderNames.create("X-Content-Type-Options");
    private static final HeaderName CONTENT_SECURITY_POLICY = HeaderNames.create("Content-Security-Policy");
    private static final HeaderName REFERRER_POLICY = HeaderNames.create("Referrer-Policy");
    /**
     * No inline script or style, no eval, never framed (SPEC §13.4): data reaches the page only as
     * text, and a string that slipped into markup could still run nothing. Scripts set styles
     * through the CSSOM (uPlot, Swagger UI), which {@code style-src} does not govern.
     */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /** One model being watched. */
    private static final class Watch {
        final HotModel model;
        final MetricsRing ring = new MetricsRing(WINDOW_SAMPLES);
        final AtomicBoolean refreshing = new AtomicBoolean();
        volatile boolean batching;
        /** The info last published as a {@code model} event (scheduler thread only). */
        byte[] lastInfo;

        Watch(HotModel model) {
            this.model = model;
        }
    }

    private final Access access;
    private final ErrorMapper errors;
    private final JsonCodec codec = new JsonCodec();
    private final JsonFactory json = new JsonFactory();
    private final StaticFiles files;
    private final RequestSampler sampler;
    private final EventHub hub;
    private final Supplier<? extends Collection<HotModel>> models;
    private final Predicate<String> localSource;
    private final InstantSource clock;
    private final ScheduledExecutorService scheduler;
    /** Written only by the scheduler thread (and the constructor); read by streams. */
    private final ConcurrentMap<String, Watch> watches = new ConcurrentHashMap<>();
    /** Models with a reload event not yet published. */
    private final Set<String> changed = ConcurrentHashMap.newKeySet();

    Dashboard(AuthConfig auth, Limits limits, ServerMetrics metrics, Supplier<? extends Collection<HotModel>> models,
            Predicate<String> localSource, InstantSource clock, ScheduledExecutorService scheduler) {
        this.hub = new EventHub(limits.maxEventStreams(), limits.maxEventStreamsPerClient(), STREAM_QUEUE);
        this.access = new Access(auth);
        this.errors = new ErrorMapper(codec);
        this.files = new StaticFiles(auth.apiKey().isPresent() ? "api" : auth.adminKey().isPresent() ? "admin" : "none");
        this.sampler = new RequestSampler(metrics.registry());
        this.models = models;
        this.localSource = localSource;
        this.clock = clock;
        this.scheduler = scheduler;
        discover();
        sample(); // the baseline: the first figures are those of the first second after start
        scheduler.scheduleAtFixedRate(this::tick, SAMPLE_INTERVAL.toMillis(), SAMPLE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::watchFreshness, WATCH_INTERVAL.toMillis(), WATCH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A dashboard for this server's models ({@code models} is asked again each second, so models
     * added or removed at run time show up), on one scheduler thread of its own.
     */
    public static Dashboard start(ServerConfig config, ServerMetrics metrics, Supplier<? extends Collection<HotModel>> models) {
        Set<String> local = config.models().stream().filter(Dashboard::isLocal).map(ModelConfig::name).collect(Collectors.toUnmodifiableSet());
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("hotserve-dashboard").daemon().factory());
        return new Dashboard(config.auth(), config.limits(), metrics, models, local::contains, InstantSource.system(), scheduler);
    }

    private static boolean isLocal(ModelConfig m) {
        ModelSource s = m.source();
        return s instanceof ModelSource.File || s instanceof ModelSource.Directory || s instanceof ModelSource.Demo;
    }

    /**
     * Adds the browser's security headers to every response under {@code /ui} (pages, files, the
     * stream, redirects and errors alike). A filter on the plain routing builder, not a route.
     */
    public static void securityHeaders(HttpRouting.Builder routing) {
        routing.addFilter((chain, req, res) -> {
            String path = req.path().rawPath();
            if (path.equals("/") || path.equals("/ui") || path.startsWith("/ui/")) {
                res.header(CONTENT_SECURITY_POLICY, CSP);
                res.header(NOSNIFF, "nosniff");
                res.header(REFERRER_POLICY, "no-referrer");
            }
            chain.proceed();
        });
    }

    /** Mounts the page, its files and the stream. Register before any catch-all route. */
    public void register(HttpRouting.Builder routing) {
        routing.route(Method.GET, "/", (req, res) -> redirect(res, "ui/"));
        routing.route(Method.GET, "/ui", (req, res) -> redirect(res, "ui/"));
        routing.route(Method.GET, "/ui/", (req, res) -> send(res, files.page()));
        routing.route(Method.GET, "/ui/assets/{file}", (req, res) -> {
            Optional<StaticFiles.File> f = files.asset(req.path().pathParameters().get("file"));
            if (f.isPresent()) {
                send(res, f.get());
            } else {
                sendError(res, HttpError.notFound("no dashboard file " + req.path().path()), req);
            }
        });
        routing.route(Method.GET, "/ui/api", (req, res) -> redirect(res, "api/"));
        routing.route(Method.GET, "/ui/api/", (req, res) -> send(res, files.apiPage()));
        routing.route(Method.GET, "/ui/api/{file}", (req, res) -> {
            Optional<StaticFiles.File> f = files.apiFile(req.path().pathParameters().get("file"));
            if (f.isPresent()) {
                send(res, f.get());
            } else {
                sendError(res, HttpError.notFound("no API explorer file " + req.path().path()), req);
            }
        });
        routing.route(Method.GET, "/ui/stream", this::stream);
    }

    /** Open event streams (tests use it to know a page is connected). */
    public int openStreams() {
        return hub.subscribers();
    }

    /** Ends every open stream and stops sampling; pages then try to reconnect. Idempotent. */
    @Override
    public void close() {
        hub.close();
        scheduler.shutdownNow();
    }

    // ---------------------------------------------------------------- the stream

    private static String clientOf(ServerRequest req) {
        return req.remotePeer().address() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(req.remotePeer().address());
    }

    private void stream(ServerRequest req, ServerResponse res) {
        try {
            access.check(Access.Level.USER, req.headers().first(HeaderNames.AUTHORIZATION));
        } catch (AccessDeniedException e) {
            sendError(res, e, req);
            return;
        }
        String client = clientOf(req);
        EventHub.Subscriber sub = hub.subscribe(client);
        if (sub == null) {
            EventHub.Refusal why = hub.refusal(client);
            sendError(res, HttpError.unavailable(why == EventHub.Refusal.CLOSED ? "the server is shutting down"
                    : why == EventHub.Refusal.CLIENT_FULL ? "this client already has " + hub.maxPerClient() + " dashboard streams open"
                    : "too many dashboard streams are open (" + hub.maxSubscribers() + ", HOTSERVE_MAX_EVENT_STREAMS)"), req);
            return;
        }
        try {
            res.status(200);
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
            res.header(HeaderNames.create("X-Accel-Buffering"), "no");
            try (OutputStream out = res.outputStream()) {
                // Subscribed before the snapshot is taken: a change made meanwhile is sent after it, never lost.
                write(out, frame("snapshot", snapshot()));
                for (;;) {
                    String f = sub.next(KEEPALIVE);
                    if (f == EventHub.END) {
                        break;
                    }
                    write(out, f == null ? ": keep-alive\n\n" : f);
                }
            }
        } catch (UncheckedIOException | IOException | SocketWriterException | ServerConnectionException e) {
            // The page went away (closed, reloaded, network gone): nothing to report.
            LOG.log(System.Logger.Level.DEBUG, () -> "dashboard stream closed by the client: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            hub.unsubscribe(sub);
        }
    }

    private static void write(OutputStream out, String frame) throws IOException {
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static String frame(String event, byte[] data) {
        return "event: " + event + "\ndata: " + new String(data, StandardCharsets.UTF_8) + "\n\n";
    }

    // ---------------------------------------------------------------- the scheduler thread

    private void tick() {
        try {
            if (discover() && hub.hasSubscribers()) {
                hub.publish(frame("snapshot", snapshot()));
            }
            Instant now = clock.instant();
            Map<String, RequestSampler.Figures> figures = sample();
            if (hub.hasSubscribers()) {
                publishInfoChanges();
                hub.publish(frame("tick", tickJson(now, figures)));
            }
        } catch (RuntimeException e) {
            // A failed tick must not end the schedule (an exception would cancel it).
            LOG.log(System.Logger.Level.WARNING, "dashboard tick failed", e);
        }
    }

    private Map<String, RequestSampler.Figures> sample() {
        Instant now = clock.instant();
        Map<String, RequestSampler.Figures> figures = sampler.sample(watches.keySet(), now);
        figures.forEach((name, f) -> {
            Watch w = watches.get(name);
            if (w != null) {
                w.batching = batching(w, f);
                w.ring.add(new MetricsRing.Sample(now.toEpochMilli(), f.requestsPerSecond(), f.p50Ms(), f.p99Ms(), f.batchesPerSecond(),
                        f.meanBatchRows()));
            }
        });
        return figures;
    }

    /** Follows the server's model list; true when it changed. */
    private boolean discover() {
        Map<String, HotModel> now = models.get().stream().collect(Collectors.toMap(HotModel::name, m -> m, (a, b) -> b));
        boolean changedSet = watches.keySet().retainAll(now.keySet());
        for (HotModel m : now.values()) {
            Watch w = watches.get(m.name());
            if (w == null || w.model != m) {
                Watch fresh = new Watch(m);
                fresh.lastInfo = infoJson(m);
                watches.put(m.name(), fresh);
                // HotModel has no way to remove a listener: this one goes quiet once the model is no longer watched.
                m.addListener(e -> modelChanged(fresh, e));
                changedSet = true;
            }
        }
        return changedSet;
    }

    /** A reload listener: runs on the thread that recorded the event, so it only hands over. */
    private void modelChanged(Watch w, ReloadEvent e) {
        String name = w.model.name();
        if (watches.get(name) != w || !changed.add(name)) {
            return;
        }
        try {
            scheduler.execute(this::publishChanged);
        } catch (RejectedExecutionException closed) {
            changed.remove(name);
        }
    }

    private void publishChanged() {
        try {
            for (String name : List.copyOf(changed)) {
                changed.remove(name); // before reading the state: a change from now on is published again
                Watch w = watches.get(name);
                if (w != null && hub.hasSubscribers()) {
                    publishModel(w, infoJson(w.model));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "dashboard: publishing a model change failed", e);
        }
    }

    /**
     * Some of a model's state changes with no reload event: a rollout's drift and traffic, a file
     * still being written, the batch queue, the source's health. Once a second, a model whose info
     * differs from what was last published is published again.
     */
    private void publishInfoChanges() {
        for (Watch w : watches.values()) {
            byte[] info = infoJson(w.model);
            if (!Arrays.equals(info, w.lastInfo)) {
                w.lastInfo = info;
                hub.publish(frame("info", write(g -> {
                    g.writeStartObject();
                    g.writeStringField("name", w.model.name());
                    g.writeFieldName("info");
                    g.writeRawValue(utf8(info));
                    g.writeEndObject();
                })));
            }
        }
    }

    private void publishModel(Watch w, byte[] info) {
        w.lastInfo = info;
        hub.publish(frame("model", write(g -> writeModel(g, w, info, false))));
    }

    private void watchFreshness() {
        if (!hub.hasSubscribers()) {
            return;
        }
        for (Watch w : watches.values()) {
            if (localSource.test(w.model.name()) && w.refreshing.compareAndSet(false, true)) {
                // A load may take a while (and a blocking one waits for a settling file): never on this thread.
                Thread.ofVirtual().name("hotserve-dashboard-refresh-" + w.model.name()).start(() -> {
                    try {
                        w.model.refresh();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.DEBUG, () -> "dashboard freshness check of " + w.model.name() + ": " + e);
                    } finally {
                        w.refreshing.set(false);
                    }
                });
            }
        }
    }

    // ---------------------------------------------------------------- JSON

    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = json.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
        return out.toByteArray();
    }

    byte[] snapshot() {
        List<Watch> ws = new ArrayList<>(watches.values());
        ws.sort((a, b) -> a.model.name().compareTo(b.model.name()));
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("server_time", clock.instant().toString());
            g.writeNumberField("sample_interval_ms", SAMPLE_INTERVAL.toMillis());
            g.writeNumberField("window_samples", WINDOW_SAMPLES);
            g.writeArrayFieldStart("models");
            for (Watch w : ws) {
                writeModel(g, w, infoJson(w.model), true);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** The body of the model's info route (without its freshness check: the watch does that). */
    private byte[] infoJson(HotModel m) {
        ModelStatus s = m.status();
        return codec.info(s, m.rolloutPolicy(), noModelDetail(s));
    }

    private void writeModel(JsonGenerator g, Watch w, byte[] info, boolean withSeries) throws IOException {
        HotModel m = w.model;
        g.writeStartObject();
        g.writeStringField("name", m.name());
        g.writeFieldName("info");
        g.writeRawValue(utf8(info));
        g.writeFieldName("history");
        g.writeRawValue(utf8(codec.history(m.history())));
        List<ReloadEvent> events = m.events();
        g.writeFieldName("events");
        g.writeRawValue(utf8(codec.events(events.subList(0, Math.min(EVENTS_SENT, events.size())))));
        if (withSeries) {
            MetricsRing.Series series = w.ring.series();
            g.writeObjectFieldStart("series");
            g.writeArrayFieldStart("t");
            for (long t : series.epochMillis()) {
                g.writeNumber(t);
            }
            g.writeEndArray();
            numbers(g, "rate", series.requestsPerSecond());
            numbers(g, "p50", series.p50Ms());
            numbers(g, "p99", series.p99Ms());
            if (w.batching) {
                numbers(g, "batches", series.batchesPerSecond());
                numbers(g, "rows", series.meanBatchRows());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private byte[] tickJson(Instant now, Map<String, RequestSampler.Figures> figures) {
        return write(g -> {
            g.writeStartObject();
            g.writeNumberField("t", now.toEpochMilli());
            g.writeObjectFieldStart("models");
            for (Map.Entry<String, RequestSampler.Figures> e : figures.entrySet()) {
                RequestSampler.Figures f = e.getValue();
                g.writeObjectFieldStart(e.getKey());
                number(g, "rate", f.requestsPerSecond());
                number(g, "p50", f.p50Ms());
                number(g, "p99", f.p99Ms());
                Watch w = watches.get(e.getKey());
                if (w != null && batching(w, f)) {
                    number(g, "batches", f.batchesPerSecond());
                    number(g, "rows", f.meanBatchRows());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** Batch figures only for a model that batches (its batch meters exist either way). */
    private static boolean batching(Watch w, RequestSampler.Figures f) {
        return f.batching() && w.model.batching().enabled();
    }

    private static void numbers(JsonGenerator g, String field, double[] values) throws IOException {
        g.writeArrayFieldStart(field);
        for (double v : values) {
            if (Double.isFinite(v)) {
                g.writeNumber(round(v));
            } else {
                g.writeNull();
            }
        }
        g.writeEndArray();
    }

    private static void number(JsonGenerator g, String field, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(field, round(v));
        } else {
            g.writeNullField(field);
        }
    }

    /** Four significant digits are all a chart shows; the rest only costs bytes on the wire. */
    private static double round(double v) {
        if (v == 0) {
            return 0;
        }
        double scale = Math.pow(10, 3 - Math.floor(Math.log10(Math.abs(v))));
        return Math.round(v * scale) / scale;
    }

    private static String noModelDetail(ModelStatus s) {
        return s.lastError().map(f -> "no model is loaded; last error: " + f.path() + ": " + f.reason()).orElse("no model is loaded");
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- plain responses

    private static void send(ServerResponse res, StaticFiles.File f) {
        res.status(200);
        res.header(HeaderNames.CONTENT_TYPE, f.contentType());
        res.header(HeaderNames.CACHE_CONTROL, f.cacheControl());
        res.header(NOSNIFF, "nosniff");
        res.send(f.body());
    }

    /** Relative, so that the page also works behind a proxy that mounts the server under a prefix. */
    private static void redirect(ServerResponse res, String location) {
        res.status(302);
        res.header(HeaderNames.LOCATION, location);
        res.send();
    }

    private void sendError(ServerResponse res, RuntimeException e, ServerRequest req) {
        Reply r = errors.toReply(e, req.prologue().method().text() + " " + req.path().path(), ErrorMapper.Style.DETAIL);
        res.status(r.status());
        res.header(HeaderNames.CONTENT_TYPE, r.contentType());
        r.headers().forEach(res::header);
        res.send(r.body());
    }
}
