package dev.hotserve.server.http;

import dev.hotserve.server.codec.JsonKit;
import dev.hotserve.server.codec.OipBinary;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.config.Setting;
import dev.hotserve.server.http.ErrorMapper.Style;
import dev.hotserve.server.inference.Access;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.ModelRegistry;
import dev.hotserve.server.inference.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The native and Open Inference Protocol REST routes of some models, for a web server the
 * application runs already (Spring MVC: {@code hotserve.web.enabled}). The same route table,
 * routes, codecs and error mapping as the standalone server's Helidon, so both answer a request
 * with the same status and the same body; nothing here depends on a web server. The host asks
 * {@link #match} whether a request is one of these routes, then the {@link Call} for its
 * {@link Answer}.
 *
 * <p>Left to the host, because an application has its own: the admin routes (reload, rollback,
 * promote, benchmark, the model repository; the application holds the models and decides who may
 * change them), {@code /metrics} (Actuator's), keys (its security), compression and draining at
 * shutdown (its web server's).
 */
public final class RestApi {

    /** Past this many bytes a refused body is not drained: the connection is closed instead (the standalone server's bound). */
    private static final long DRAIN_LIMIT = 64L * 1024 * 1024;

    private final ErrorMapper errors;
    private final Limits limits;
    private final ModelRegistry registry;
    private final List<Mounted> routes = new ArrayList<>();

    /** A route with its template as a pattern: group 1 the model, group 2 the version, where the template has them. */
    private record Mounted(RouteTable.Route route, Pattern path, boolean rootModel) {}

    /** A request as the host's web server gives it. */
    public interface Request {
        /** The first value of the header, by its case-insensitive name. */
        Optional<String> header(String name);

        /** The declared Content-Length, when there is one. */
        OptionalLong contentLength();

        /** The body as it arrives. */
        InputStream body() throws IOException;
    }

    /**
     * A finished answer.
     *
     * @param headers beyond Content-Type: those naming the model version that answered ({@code X-Model-*}) and
     *     the route's own ({@code Allow}, {@code Retry-After}, ...)
     */
    public record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
        public Answer {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
            headers = Map.copyOf(headers);
        }
    }

    private RestApi(ModelRegistry registry, Limits limits) {
        JsonKit json = new JsonKit();
        Dispatcher dispatcher = new Dispatcher(registry, limits);
        this.registry = registry;
        this.limits = limits;
        // The web server's own failures to read a request surface as IOExceptions, which reading the body maps.
        this.errors = new ErrorMapper(json, t -> false);
        // No client of these routes can load a model, so no config entry is ever read: no working directory to resolve it in.
        RouteTable table = new RouteTable(new ModelRoutes(dispatcher, json),
                new OipRoutes(dispatcher, json, new Repository(registry, Path.of(""), false), OipRoutes.EXTENSIONS_WITHOUT_ADMIN));
        for (RouteTable.Route r : table.all()) {
            if (r.level() != Access.Level.ADMIN) {
                String regex = Pattern.quote(r.template()).replace("{model}", "\\E([^/]+)\\Q").replace("{version}", "\\E([^/]+)\\Q");
                routes.add(new Mounted(r, Pattern.compile(regex), r.template().startsWith("/{model}")));
            }
        }
    }

    /** The routes of the models {@code registry} serves, under {@code limits}. */
    public static RestApi of(ModelRegistry registry, Limits limits) {
        return new RestApi(registry, limits);
    }

    /**
     * The call a request is, when its path is one of these routes: the route, or a 405 where the
     * path is a route's with another method (as the standalone server answers). Empty: not ours.
     *
     * @param path decoded, without the query, from the application's root
     */
    public Optional<Call> match(String method, String path) {
        TreeSet<String> allowed = new TreeSet<>();
        for (Mounted m : routes) {
            Matcher matcher = m.path().matcher(path);
            if (!matcher.matches()) {
                continue;
            }
            String model = matcher.groupCount() >= 1 ? matcher.group(1) : null;
            // No model is named v2 (the configuration refuses it): /v2/health is an unknown protocol route, not a model's.
            if (m.rootModel() && "v2".equals(model)) {
                continue;
            }
            if (m.route().method().equals(method)) {
                Optional<String> version = matcher.groupCount() >= 2 ? Optional.of(matcher.group(2)) : Optional.empty();
                return Optional.of(new Call(m.route(), method + " " + path, model, version));
            }
            // A path of an unknown model is no route at all (404), not a wrong method.
            if (model == null || registry.find(model).isPresent()) {
                allowed.add(m.route().method());
            }
        }
        if (allowed.isEmpty()) {
            return Optional.empty();
        }
        String allow = String.join(", ", allowed);
        Style style = path.equals("/v2") || path.startsWith("/v2/") ? Style.ERROR : Style.DETAIL;
        RouteTable.Route refusal = new RouteTable.Route(method, path, Access.Level.PUBLIC, style, false, req -> {
            throw HttpError.methodNotAllowed(method + " is not allowed on " + path + "; use " + allow, allow);
        });
        return Optional.of(new Call(refusal, method + " " + path, null, Optional.empty()));
    }

    /** One matched request. */
    public final class Call {
        private final RouteTable.Route route;
        private final String where;
        private final String model;
        private final Optional<String> version;

        private Call(RouteTable.Route route, String where, String model, Optional<String> version) {
            this.route = route;
            this.where = where;
            this.model = model;
            this.version = version;
        }

        /** The route's template, e.g. {@code /{model}/predict}. */
        public String template() {
            return route.template();
        }

        /** Runs the route; every failure is an answer too, as the standalone server gives it. */
        public Answer answer(Request request) {
            Reply reply;
            try {
                reply = route.action().handle(new Adapted(request));
            } catch (Exception e) {
                reply = errors.toReply(e, where, route.style());
            }
            Map<String, String> headers = new LinkedHashMap<>();
            reply.version().ifPresent(v -> headers.putAll(ModelHeaders.of(v)));
            headers.putAll(reply.headers());
            return new Answer(reply.status(), reply.contentType(), reply.body(), headers);
        }

        /** The request as the routes read it. */
        private final class Adapted implements RouteRequest {
            private final Request request;

            Adapted(Request request) {
                this.request = request;
            }

            @Override
            public String model() {
                return model;
            }

            @Override
            public Optional<String> version() {
                return version;
            }

            @Override
            public Optional<String> routingKey() {
                return request.header("X-Routing-Key");
            }

            @Override
            public Optional<String> inferenceHeaderLength() {
                return request.header(OipBinary.HEADER_LENGTH);
            }

            @Override
            public byte[] body() {
                return read(request, limits.maxBodyBytes(), Setting.MAX_BODY_BYTES);
            }

            @Override
            public byte[] loadBody() {
                return read(request, Math.min(limits.maxBodyBytes(), limits.maxLoadBodyBytes()), Setting.MAX_LOAD_BODY_BYTES);
            }
        }
    }

    /**
     * The body under {@code limit}, refused with the standalone server's 413 and message: a declared
     * length over it before anything is read, else once more than the limit has arrived. The host's
     * web server has decoded the framing (and its own limits) already.
     */
    private static byte[] read(Request request, long limit, Setting setting) {
        OptionalLong declared = request.contentLength();
        try (InputStream in = request.body()) {
            if (declared.isPresent() && declared.getAsLong() > limit) {
                drain(in, declared.getAsLong());
                throw HttpError.bodyTooLarge(limit, setting, declared.getAsLong() + " bytes");
            }
            byte[] body = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (body.length > limit) {
                drain(in, DRAIN_LIMIT);
                throw HttpError.bodyTooLarge(limit, setting, "more than " + limit + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a refused body away (up to a bound), as the standalone server does: a servlet
     * container swallows only part of an unread body (Tomcat's maxSwallowSize, 2 MiB by default)
     * before it closes the connection, which a client that reads its answer only once it has sent
     * everything sees as a reset instead of the 413. (The JDK's client, which the tests use, reads
     * the 413 either way.)
     */
    private static void drain(InputStream in, long declared) throws IOException {
        if (declared > DRAIN_LIMIT) {
            return; // the container closes the connection after the response
        }
        byte[] sink = new byte[64 * 1024];
        long total = 0;
        int r;
        while (total < DRAIN_LIMIT && (r = in.read(sink)) >= 0) {
            total += r;
        }
    }
}
