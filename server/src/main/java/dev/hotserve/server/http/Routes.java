package dev.hotserve.server.http;

import dev.hotserve.server.codec.JsonKit;
import dev.hotserve.server.config.AuthConfig;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.http.ErrorMapper.Style;
import dev.hotserve.server.inference.Access;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.Gate;
import dev.hotserve.server.inference.ModelRegistry;
import dev.hotserve.server.inference.Repository;
import dev.hotserve.server.metrics.ServerMetrics;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Every HTTP route: the Open Inference Protocol's under {@code /v2}, each model's native routes at
 * {@code /<name>} (matched by pattern and looked up in the registry per request, so models added
 * or removed at run time gain or lose their routes at once), {@code /metrics}, and a JSON 404/405
 * for the rest. The {@code /v2} routes come first; model names {@code v2}, {@code metrics} and
 * {@code ui} are refused by the configuration, so no model shadows them.
 */
public final class Routes {

    private static final String SERVER = "_server";
    private static final String UNKNOWN = "_unknown";

    private final JsonKit json = new JsonKit();
    private final ServerMetrics metrics;
    private final Dispatcher dispatcher;
    private final ModelRegistry registry;
    private final Gate gate = Gate.openedLater(); // opened by the server once every listener is bound
    private final Endpoint.Shared shared;
    /** route templates as patterns, with their methods, for 405 answers */
    private final List<Known> known = new ArrayList<>();

    private record Known(Pattern path, String template, TreeSet<String> methods) {}

    private final RouteTable table;

    /** @param repository the model repository's loads and unloads, shared with gRPC */
    public Routes(AuthConfig auth, Dispatcher dispatcher, Repository repository, ServerMetrics metrics) {
        this.metrics = metrics;
        this.dispatcher = dispatcher;
        this.registry = dispatcher.registry();
        this.shared = new Endpoint.Shared(new Access(auth), new ErrorMapper(json, Routes::unreadable), metrics, gate);
        this.table = new RouteTable(new ModelRoutes(dispatcher, json), new OipRoutes(dispatcher, json, repository, OipRoutes.EXTENSIONS));
    }

    /**
     * The inference routes, to be registered before any other: Helidon tries routes in the order
     * they were added, and each path-template route passed on the way costs a regex match and a
     * parameter map. Behind the dashboard's and the OIP's twenty routes, {@code /sac/predict} at
     * 64 connections spent 15 % more CPU per request than round 1's build (JFR: route crawling,
     * template matching and parameter maps, 4 samples per 1,000 requests).
     */
    public void registerInference(HttpRouting.Builder routing) {
        for (RouteTable.Route route : table.inference()) {
            add(routing, route);
        }
    }

    /** Every other route, and the catch-all last; after {@link #registerInference} and the dashboard's. */
    public void register(HttpRouting.Builder routing) {
        Function<ServerRequest, String> server = req -> SERVER;
        for (RouteTable.Route route : table.others()) {
            add(routing, route);
        }
        add(routing, Method.GET, "/metrics", Access.Level.USER, Style.DETAIL, server, req -> new Reply(200, ServerMetrics.CONTENT_TYPE,
                metrics.scrape().getBytes(StandardCharsets.UTF_8), Optional.empty(), Map.of()));
        routing.any(Endpoint.fallback(server, shared, this::unmatched));
    }

    /** 405 naming the methods a known path allows, else 404. */
    private Reply unmatched(ServerRequest req) {
        String path = req.path().path();
        TreeSet<String> allowed = new TreeSet<>();
        for (Known k : known) {
            var m = k.path().matcher(path);
            // A path of an unknown model is no route at all (404), not a wrong method.
            if (m.matches() && (m.groupCount() == 0 || registry.find(m.group(1)).isPresent())) {
                allowed.addAll(k.methods());
            }
        }
        if (!allowed.isEmpty()) {
            throw HttpError.methodNotAllowed(req.prologue().method().text() + " is not allowed on " + path + "; use "
                    + String.join(", ", allowed), String.join(", ", allowed));
        }
        throw HttpError.notFound("no route " + path);
    }

    /** A model's metrics label: its name when served (names of unknown models are the caller's text, unbounded). */
    private String modelLabel(ServerRequest req) {
        String name = ModelPath.modelOrNull(req);
        return name != null && registry.find(name).isPresent() ? name : UNKNOWN;
    }

    /** Helidon's own ways of saying the request could not be read (client gone mid-body, broken chunking): a 400. */
    public static boolean unreadable(Throwable t) {
        return HelidonRequest.unreadable(t);
    }

    /** Admission of every route: {@code HotserveServer.stop()} closes it to drain. */
    public Gate gate() {
        return gate;
    }

    private void add(HttpRouting.Builder routing, RouteTable.Route route) {
        Function<ServerRequest, String> label = route.byModel() ? this::modelLabel : req -> SERVER;
        Limits limits = dispatcher.limits();
        add(routing, Method.create(route.method()), route.template(), route.level(), route.style(), label,
                req -> route.action().handle(new HelidonRequest(req, limits)));
    }

    private void add(HttpRouting.Builder routing, Method method, String template, Access.Level level, Style style,
            Function<ServerRequest, String> model, Endpoint.Action action) {
        Known k = known.stream().filter(x -> x.template().equals(template)).findFirst().orElseGet(() -> {
            Known n = new Known(Pattern.compile(template.replace("{model}", "([^/]+)").replace("{version}", "[^/]+")), template,
                    new TreeSet<>());
            known.add(n);
            return n;
        });
        k.methods().add(method.text());
        // The protocol's answers may be compressed; the native API's stay as its contract defines them.
        Endpoint endpoint = new Endpoint(model, template.startsWith("/{model}") ? template.substring("/{model}".length()) : template,
                level, style, shared, template.startsWith("/v2") ? Endpoint.Answers.COMPRESSED_WHERE_ACCEPTED : Endpoint.Answers.AS_IS, action);
        if (ModelPath.fits(template)) {
            routing.route(method, new ModelPath(template), endpoint);
        } else {
            routing.route(method, template, endpoint);
        }
    }
}
