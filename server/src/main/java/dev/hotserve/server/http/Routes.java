package dev.hotserve.server.http;

import dev.hotserve.core.HotModel;
import dev.hotserve.server.config.AuthConfig;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.metrics.ServerMetrics;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRouting;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Mounts every model's routes at {@code /<name>}, {@code /metrics}, and a JSON 404/405 for the rest. */
public final class Routes {

    private static final String SERVER = "_server";

    private final Access access;
    private final JsonCodec codec = new JsonCodec();
    private final ErrorMapper errors = new ErrorMapper(codec);
    private final ServerMetrics metrics;
    private final Limits limits;
    private final Gate gate = new Gate();
    /** path -> allowed methods, for 405 answers */
    private final Map<String, TreeSet<String>> known = new HashMap<>();

    public Routes(AuthConfig auth, Limits limits, ServerMetrics metrics) {
        this.access = new Access(auth);
        this.limits = limits;
        this.metrics = metrics;
    }

    public void register(HttpRouting.Builder routing, List<HotModel> models) {
        for (HotModel model : models) {
            ModelRoutes r = new ModelRoutes(model, codec, limits);
            String base = "/" + model.name();
            add(routing, Method.GET, base, "/health", Access.Level.PUBLIC, model.name(), r::health);
            add(routing, Method.GET, base, "/model/info", Access.Level.USER, model.name(), r::info);
            add(routing, Method.GET, base, "/model/history", Access.Level.USER, model.name(), r::history);
            add(routing, Method.GET, base, "/model/events", Access.Level.USER, model.name(), r::events);
            add(routing, Method.POST, base, "/predict", Access.Level.USER, model.name(), r::predict);
            add(routing, Method.POST, base, "/predict/batch", Access.Level.USER, model.name(), r::predictBatch);
            add(routing, Method.POST, base, "/benchmark", Access.Level.ADMIN, model.name(), r::benchmark);
            add(routing, Method.POST, base, "/model/reload", Access.Level.ADMIN, model.name(), r::reload);
            add(routing, Method.POST, base, "/model/rollback", Access.Level.ADMIN, model.name(), r::rollback);
            add(routing, Method.POST, base, "/model/unpin", Access.Level.ADMIN, model.name(), r::unpin);
            add(routing, Method.POST, base, "/model/promote", Access.Level.ADMIN, model.name(), r::promote);
            add(routing, Method.POST, base, "/model/reject", Access.Level.ADMIN, model.name(), r::reject);
        }
        add(routing, Method.GET, "", "/metrics", Access.Level.USER, SERVER, req -> new Reply(200, ServerMetrics.CONTENT_TYPE,
                metrics.scrape().getBytes(StandardCharsets.UTF_8), Optional.empty(), Map.of()));
        routing.any(new Endpoint(SERVER, "unmatched", Access.Level.PUBLIC, access, errors, metrics, gate, req -> {
            String path = req.path().path();
            TreeSet<String> allowed = known.get(path);
            if (allowed != null) {
                throw HttpError.methodNotAllowed(req.prologue().method().text() + " is not allowed on " + path + "; use " + String.join(", ", allowed),
                        String.join(", ", allowed));
            }
            throw HttpError.notFound("no route " + path);
        }));
    }

    /** Admission of every route: {@code HotserveServer.stop()} closes it to drain. */
    public Gate gate() {
        return gate;
    }

    private void add(HttpRouting.Builder routing, Method method, String base, String route, Access.Level level, String model,
            Endpoint.Action action) {
        String path = base + route;
        known.computeIfAbsent(path, p -> new TreeSet<>()).add(method.text());
        routing.route(method, path, new Endpoint(model, route, level, access, errors, metrics, gate, action));
    }
}
