package dev.hotserve.server.http;

import dev.hotserve.server.http.ErrorMapper.Style;
import dev.hotserve.server.inference.Access;
import java.util.ArrayList;
import java.util.List;

/**
 * The REST routes of the models, written down once: the standalone server registers them with
 * Helidon ({@link Routes}), an application's own web server mounts them through {@link RestApi}.
 * {@code {model}} and {@code {version}} are the path's parameters.
 */
final class RouteTable {

    /** What a route does once the request is allowed; throws for every refusal. */
    @FunctionalInterface
    interface Action {
        Reply handle(RouteRequest req) throws Exception;
    }

    /**
     * @param byModel whether the request metrics label the route with its model (else with the server)
     */
    record Route(String method, String template, Access.Level level, Style style, boolean byModel, Action action) {}

    private final List<Route> inference = new ArrayList<>();
    private final List<Route> others = new ArrayList<>();

    RouteTable(ModelRoutes r, OipRoutes oip) {
        inference.add(new Route("POST", "/{model}/predict", Access.Level.USER, Style.DETAIL, true, r::predict));
        inference.add(new Route("POST", "/{model}/predict/batch", Access.Level.USER, Style.DETAIL, true, r::predictBatch));
        for (String base : List.of("/v2/models/{model}", "/v2/models/{model}/versions/{version}")) {
            inference.add(new Route("POST", base + "/infer", Access.Level.USER, Style.ERROR, true, oip::infer));
        }

        others.add(new Route("GET", "/v2/health/live", Access.Level.PUBLIC, Style.ERROR, false, oip::live));
        others.add(new Route("GET", "/v2/health/ready", Access.Level.PUBLIC, Style.ERROR, false, oip::ready));
        others.add(new Route("GET", "/v2", Access.Level.USER, Style.ERROR, false, oip::serverMetadata));
        others.add(new Route("GET", "/v2/", Access.Level.USER, Style.ERROR, false, oip::serverMetadata)); // the OIP document's own form
        others.add(new Route("POST", "/v2/repository/index", Access.Level.ADMIN, Style.ERROR, false, oip::repositoryIndex));
        others.add(new Route("POST", "/v2/repository/models/{model}/load", Access.Level.ADMIN, Style.ERROR, false, oip::repositoryLoad));
        others.add(new Route("POST", "/v2/repository/models/{model}/unload", Access.Level.ADMIN, Style.ERROR, false, oip::repositoryUnload));
        // Before /v2/models/{model}, which it would match too: routes are tried in order. As in Triton, a model named stats
        // then has its metadata at /v2/models/stats/versions/latest only; its other routes are its own.
        others.add(new Route("GET", "/v2/models/stats", Access.Level.USER, Style.ERROR, false, oip::statisticsOfAll));
        for (String base : List.of("/v2/models/{model}", "/v2/models/{model}/versions/{version}")) {
            others.add(new Route("GET", base, Access.Level.USER, Style.ERROR, true, oip::modelMetadata));
            others.add(new Route("GET", base + "/ready", Access.Level.USER, Style.ERROR, true, oip::modelReady));
            others.add(new Route("GET", base + "/stats", Access.Level.USER, Style.ERROR, true, oip::statistics));
            others.add(new Route("GET", base + "/config", Access.Level.USER, Style.ERROR, true, oip::config));
        }

        String base = "/{model}";
        others.add(new Route("GET", base + "/health", Access.Level.PUBLIC, Style.DETAIL, true, r::health));
        others.add(new Route("GET", base + "/model/info", Access.Level.USER, Style.DETAIL, true, r::info));
        others.add(new Route("GET", base + "/model/history", Access.Level.USER, Style.DETAIL, true, r::history));
        others.add(new Route("GET", base + "/model/events", Access.Level.USER, Style.DETAIL, true, r::events));
        others.add(new Route("POST", base + "/benchmark", Access.Level.ADMIN, Style.DETAIL, true, r::benchmark));
        others.add(new Route("POST", base + "/model/reload", Access.Level.ADMIN, Style.DETAIL, true, r::reload));
        others.add(new Route("POST", base + "/model/rollback", Access.Level.ADMIN, Style.DETAIL, true, r::rollback));
        others.add(new Route("POST", base + "/model/unpin", Access.Level.ADMIN, Style.DETAIL, true, r::unpin));
        others.add(new Route("POST", base + "/model/promote", Access.Level.ADMIN, Style.DETAIL, true, r::promote));
        others.add(new Route("POST", base + "/model/reject", Access.Level.ADMIN, Style.DETAIL, true, r::reject));
    }

    /**
     * The inference routes, which the standalone server registers before any other: Helidon tries
     * routes in the order they were added (see {@link Routes#registerInference}).
     */
    List<Route> inference() {
        return List.copyOf(inference);
    }

    /** Every other route. */
    List<Route> others() {
        return List.copyOf(others);
    }

    /** Every route, the inference routes first. */
    List<Route> all() {
        List<Route> all = new ArrayList<>(inference);
        all.addAll(others);
        return all;
    }
}
