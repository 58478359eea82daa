package dev.hotserve.server.http;

import dev.hotserve.core.ModelVersion;
import dev.hotserve.server.metrics.ServerMetrics;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * One route as a flat chain of small stages: auth, then the action, then (whatever happened)
 * the error mapping, the response headers that name the model version, and the metrics.
 */
final class Endpoint implements Handler {

    /** What a route does once the request is allowed; throws for every refusal. */
    @FunctionalInterface
    interface Action {
        Reply handle(ServerRequest req) throws Exception;
    }

    static final HeaderName GENERATION = HeaderNames.create("X-Model-Generation");
    static final HeaderName PATH = HeaderNames.create("X-Model-Path");

    private final String model;
    private final String route;
    private final Access.Level level;
    private final Access access;
    private final ErrorMapper errors;
    private final ServerMetrics metrics;
    private final Gate gate;
    private final Action action;

    Endpoint(String model, String route, Access.Level level, Access access, ErrorMapper errors, ServerMetrics metrics, Gate gate,
            Action action) {
        this.model = model;
        this.route = route;
        this.level = level;
        this.access = access;
        this.errors = errors;
        this.metrics = metrics;
        this.gate = gate;
        this.action = action;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        if (!gate.enter()) {
            res.header(HeaderNames.CONNECTION, "close");
            send(res, errors.toReply(HttpError.unavailable("the server is shutting down"), route));
            return;
        }
        long t0 = System.nanoTime();
        metrics.requestStarted();
        Reply reply = null;
        try {
            try {
                access.check(level, req.headers().first(HeaderNames.AUTHORIZATION));
                reply = action.handle(req);
            } catch (Exception e) {
                reply = errors.toReply(e, req.prologue().method().text() + " " + req.path().path());
            }
            send(res, reply);
        } finally {
            metrics.requestFinished(model, route, reply == null ? 500 : reply.status(), System.nanoTime() - t0);
            gate.exit();
        }
    }

    private static void send(ServerResponse res, Reply reply) {
        res.status(reply.status());
        res.header(HeaderNames.CONTENT_TYPE, reply.contentType());
        if (reply.version().isPresent()) {
            ModelVersion v = reply.version().get();
            res.header(GENERATION, Long.toString(v.generation()));
            res.header(PATH, headerSafe(v.path().toString()));
        }
        reply.headers().forEach(res::header);
        res.send(reply.body());
    }

    /**
     * A header value must be visible ASCII: other characters of a path (and '%') are sent
     * percent-encoded as UTF-8, so a client can always decode it; the JSON body has the path as is.
     */
    static String headerSafe(String value) {
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c < 0x7f && c != '%';
        }
        if (plain) {
            return value;
        }
        StringBuilder b = new StringBuilder(value.length() + 16);
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }
}
