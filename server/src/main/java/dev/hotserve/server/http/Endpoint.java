package dev.hotserve.server.http;

import dev.hotserve.core.ModelVersion;
import dev.hotserve.server.inference.Access;
import dev.hotserve.server.inference.Gate;
import dev.hotserve.server.inference.ServerStoppingException;
import dev.hotserve.server.inference.Versions;
import dev.hotserve.server.metrics.ServerMetrics;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One route as a flat chain of small stages: admission (a stopping server refuses), auth, then the
 * action, then (whatever happened) the error mapping, the response headers that name the model
 * version, and the metrics.
 */
final class Endpoint implements Handler {

    /** What a route does once the request is allowed; throws for every refusal. */
    @FunctionalInterface
    interface Action {
        Reply handle(ServerRequest req) throws Exception;
    }

    /** Whether a route's successful answers are compressed for a client whose Accept-Encoding allows it ({@link Compression}). */
    enum Answers {
        COMPRESSED_WHERE_ACCEPTED,
        AS_IS
    }

    /** What every endpoint shares. */
    record Shared(Access access, ErrorMapper errors, ServerMetrics metrics, Gate gate) {}

    static final HeaderName GENERATION = HeaderNames.create(ModelHeaders.GENERATION);
    static final HeaderName PATH = HeaderNames.create(ModelHeaders.PATH);
    static final HeaderName VERSION = HeaderNames.create(ModelHeaders.VERSION);

    private final Function<ServerRequest, String> model;
    private final String route;
    private final Access.Level level;
    /** the error body's style, per request: fixed for a route, by path for the fallback */
    private final Function<ServerRequest, ErrorMapper.Style> style;
    private final Shared shared;
    private final Action action;
    private final Answers answers;
    /** The last version named in a response, with its header values: versions change rarely. */
    private volatile VersionHeaders last = new VersionHeaders(null, "", "");

    private record VersionHeaders(ModelVersion version, String path, String name) {}

    /**
     * @param model the model a request is for, as its metrics label
     */
    Endpoint(Function<ServerRequest, String> model, String route, Access.Level level, ErrorMapper.Style style, Shared shared,
            Answers answers, Action action) {
        this(model, route, level, req -> style, shared, answers, action);
    }

    private Endpoint(Function<ServerRequest, String> model, String route, Access.Level level, Function<ServerRequest, ErrorMapper.Style> style,
            Shared shared, Answers answers, Action action) {
        this.model = model;
        this.route = route;
        this.level = level;
        this.style = style;
        this.shared = shared;
        this.action = action;
        this.answers = answers;
    }

    /**
     * The endpoint of every path no route matched: its errors in the protocol's {@code {"error"}}
     * form under {@code /v2}, the native {@code {"detail"}} form elsewhere.
     */
    static Endpoint fallback(Function<ServerRequest, String> model, Shared shared, Action action) {
        return new Endpoint(model, "unmatched", Access.Level.PUBLIC, req -> {
            String path = req.path().path();
            return path.equals("/v2") || path.startsWith("/v2/") ? ErrorMapper.Style.ERROR : ErrorMapper.Style.DETAIL;
        }, shared, Answers.AS_IS, action);
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        if (!shared.gate().enter()) {
            res.header(HeaderNames.CONNECTION, "close");
            send(res, shared.errors().toReply(new ServerStoppingException("the server is shutting down"), route, style.apply(req)));
            return;
        }
        long t0 = System.nanoTime();
        shared.metrics().requestStarted();
        Reply reply = null;
        try {
            try {
                shared.access().check(level, req.headers().first(HeaderNames.AUTHORIZATION));
                reply = action.handle(req);
            } catch (Exception e) {
                reply = shared.errors().toReply(e, req.prologue().method().text() + " " + req.path().path(), style.apply(req));
            }
            send(res, compressed(req, reply));
        } finally {
            shared.metrics().requestFinished(model.apply(req), route, reply == null ? 500 : reply.status(), System.nanoTime() - t0);
            shared.gate().exit();
        }
    }

    /**
     * The reply compressed, when this route compresses, the answer succeeded and the client accepts
     * it. Errors never are: Triton's client reads an error's body without decompressing it.
     */
    private Reply compressed(ServerRequest req, Reply reply) {
        if (answers == Answers.AS_IS || reply.status() / 100 != 2 || reply.body().length == 0) {
            return reply;
        }
        Optional<String> encoding = Compression.chosen(req.headers().first(HeaderNames.ACCEPT_ENCODING));
        if (encoding.isEmpty()) {
            return reply;
        }
        Map<String, String> headers = new HashMap<>(reply.headers());
        headers.put(HeaderNames.CONTENT_ENCODING.defaultCase(), encoding.get());
        headers.put(HeaderNames.VARY.defaultCase(), HeaderNames.ACCEPT_ENCODING.defaultCase());
        return new Reply(reply.status(), reply.contentType(), Compression.compress(encoding.get(), reply.body()), reply.version(), headers);
    }

    private void send(ServerResponse res, Reply reply) {
        res.status(reply.status());
        res.header(HeaderNames.CONTENT_TYPE, reply.contentType());
        if (reply.version().isPresent()) {
            VersionHeaders h = headers(reply.version().get());
            res.header(GENERATION, Long.toString(h.version().generation()));
            res.header(PATH, h.path());
            res.header(VERSION, h.name());
        }
        reply.headers().forEach(res::header);
        res.send(reply.body());
    }

    private VersionHeaders headers(ModelVersion v) {
        VersionHeaders h = last;
        if (h.version() != v) {
            h = new VersionHeaders(v, ModelHeaders.headerSafe(v.path().toString()), ModelHeaders.headerSafe(Versions.name(v)));
            last = h;
        }
        return h;
    }
}
