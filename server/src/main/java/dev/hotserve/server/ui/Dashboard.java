package dev.hotserve.server.ui;

import dev.hotserve.core.HotModel;
import dev.hotserve.server.codec.JsonKit;
import dev.hotserve.server.config.AuthConfig;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.http.ErrorMapper;
import dev.hotserve.server.http.HttpError;
import dev.hotserve.server.http.Reply;
import dev.hotserve.server.http.Routes;
import dev.hotserve.server.inference.Access;
import dev.hotserve.server.inference.AccessDeniedException;
import dev.hotserve.server.inference.ModelRegistry;
import dev.hotserve.server.inference.ServedModel;
import dev.hotserve.server.metrics.ServerMetrics;
import io.helidon.common.socket.SocketWriterException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The live dashboard: the page at {@code /ui/}, its files, the browser's security headers, and
 * the event stream {@code /ui/stream} that feeds it.
 *
 * <p>The stream is a {@code text/event-stream} of four events, each one line of JSON:
 * {@code snapshot} first (and again when models come or go), then {@code model}, {@code info} and
 * {@code tick} as {@link DashboardFeed} publishes them; their JSON is {@link DashboardJson}'s. The
 * stream needs the same key as the models' JSON routes and never carries a key.
 *
 * <p>Each open stream is one request thread (Helidon's virtual threads) waiting on its own bounded
 * queue; at most {@code HOTSERVE_MAX_EVENT_STREAMS} (64) are open, an eighth of them per remote
 * address, so an unauthenticated client cannot lock real viewers out. {@link #close()} ends them
 * all, so a stopping server is not held up by pages that are open.
 */
public final class Dashboard implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Dashboard.class.getName());

    static final Duration KEEPALIVE = Duration.ofSeconds(15);
    /** Frames queued per stream before it counts as stalled: about four minutes of ticks. */
    static final int STREAM_QUEUE = 256;

    private static final HeaderName NOSNIFF = HeaderNames.create("X-Content-Type-Options");
    private static final HeaderName CONTENT_SECURITY_POLICY = HeaderNames.create("Content-Security-Policy");
    private static final HeaderName REFERRER_POLICY = HeaderNames.create("Referrer-Policy");
    /**
     * No inline script or style, no eval, never framed (SECURITY.md): data reaches the page only as
     * text, and a string that slipped into markup could still run nothing. Scripts set styles
     * through the CSSOM (uPlot, Swagger UI), which {@code style-src} does not govern.
     */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final Access access;
    private final ErrorMapper errors;
    private final StaticFiles files;
    private final EventHub hub;
    private final DashboardFeed feed;

    Dashboard(AuthConfig auth, Limits limits, ServerMetrics metrics, Supplier<? extends Collection<HotModel>> models, InstantSource clock,
            ScheduledExecutorService scheduler) {
        JsonKit kit = new JsonKit();
        this.hub = new EventHub(limits.maxEventStreams(), limits.maxEventStreamsPerClient(), STREAM_QUEUE);
        this.access = new Access(auth);
        this.errors = new ErrorMapper(kit, Routes::unreadable);
        this.files = new StaticFiles(auth.apiKey().isPresent() ? "api" : auth.adminKey().isPresent() ? "admin" : "none");
        this.feed = new DashboardFeed(hub, new DashboardJson(kit), metrics, models, clock, scheduler);
    }

    /**
     * A dashboard of every model {@code registry} holds, those it gains later included (the
     * registry tells the feed of each change), on one scheduler thread of its own.
     */
    public static Dashboard start(ServerConfig config, ServerMetrics metrics, ModelRegistry registry) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("hotserve-dashboard").daemon().factory());
        Dashboard d = new Dashboard(config.auth(), config.limits(), metrics,
                () -> registry.all().stream().map(ServedModel::model).toList(), InstantSource.system(), scheduler);
        registry.addChangeListener(d.feed::modelsChanged);
        d.feed.modelsChanged(); // a model added between the feed's first look and the listener is followed too
        return d;
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

    /** Ends every open stream and stops the feed; pages then try to reconnect. Idempotent. */
    @Override
    public void close() {
        hub.close();
        feed.close();
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
                write(out, DashboardJson.frame("snapshot", feed.snapshot()));
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
