package dev.hotserve.server.openapi;

import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.webserver.http.ErrorHandler;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpSecurity;
import io.helidon.webserver.http.HttpService;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The routes the server actually registers, recorded while they are registered: the server's
 * routing builder is wrapped ({@link #recording}), so whoever adds a route through it (native,
 * OIP, dashboard, a service registered under a prefix) is seen here, with no list kept by hand.
 * The OpenAPI document is checked against this catalog.
 *
 * <p>Only routes with a path pattern are recorded; a fallback without one ({@code any(handler)})
 * is not a route of the API. {@code any(path, ...)} is recorded with the method {@code *}.
 */
public final class RouteCatalog {

    /** One registered route; {@code path} as given to Helidon, with its {@code {param}} patterns. */
    public record Route(String method, String path) {
        public Route {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
        }
    }

    /** A path matcher of our own that says which template it matches, so its routes are recorded too. */
    public interface Templated {
        String template();
    }

    private final List<Route> routes = new CopyOnWriteArrayList<>();

    /** Every route recorded so far, sorted by path, then method. */
    public List<Route> routes() {
        return routes.stream().distinct().sorted(Comparator.comparing(Route::path).thenComparing(Route::method)).toList();
    }

    /** A builder that registers everything on {@code routing} and records each route here. */
    public HttpRouting.Builder recording(HttpRouting.Builder routing) {
        return new RecordingRouting(routing);
    }

    private void add(String method, String prefix, String path) {
        routes.add(new Route(method, join(prefix, path)));
    }

    private static String join(String prefix, String path) {
        if (prefix.isEmpty()) {
            return path;
        }
        if (path.isEmpty() || path.equals("/")) {
            return prefix;
        }
        return prefix + (path.startsWith("/") ? path : "/" + path);
    }

    /** Wraps each service so that the routes it registers on its own rules are recorded with its prefix. */
    private HttpService[] recorded(String prefix, HttpService... services) {
        return Arrays.stream(services).map(s -> (HttpService) new RecordingService(s, prefix)).toArray(HttpService[]::new);
    }

    private final class RecordingService implements HttpService {
        private final HttpService service;
        private final String prefix;

        RecordingService(HttpService service, String prefix) {
            this.service = service;
            this.prefix = prefix;
        }

        @Override
        public void routing(HttpRules rules) {
            service.routing(new RecordingRules(rules, prefix));
        }

        @Override
        public void beforeStart() {
            service.beforeStart();
        }

        @Override
        public void afterStop() {
            service.afterStop();
        }
    }

    private final class RecordingRules implements HttpRules {
        private final HttpRules rules;
        private final String prefix;

        RecordingRules(HttpRules rules, String prefix) {
            this.rules = rules;
            this.prefix = prefix;
        }

        @Override
        public HttpRules register(HttpService... services) {
            rules.register(recorded(prefix, services));
            return this;
        }

        @Override
        public HttpRules register(String path, HttpService... services) {
            rules.register(path, recorded(join(prefix, path), services));
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            rules.route(route);
            return this;
        }

        @Override
        public HttpRules route(Method method, String path, Handler handler) {
            add(method.text(), prefix, path);
            rules.route(method, path, handler);
            return this;
        }

        @Override
        public HttpRules any(String path, Handler... handlers) {
            add("*", prefix, path);
            rules.any(path, handlers);
            return this;
        }
    }

    private final class RecordingRouting implements HttpRouting.Builder {
        private final HttpRouting.Builder routing;

        RecordingRouting(HttpRouting.Builder routing) {
            this.routing = routing;
        }

        @Override
        public HttpRouting.Builder register(HttpService... services) {
            routing.register(recorded("", services));
            return this;
        }

        @Override
        public HttpRouting.Builder register(String path, HttpService... services) {
            routing.register(path, recorded(path, services));
            return this;
        }

        @Override
        public HttpRouting.Builder route(HttpRoute route) {
            routing.route(route);
            return this;
        }

        @Override
        public HttpRouting.Builder route(Method method, String path, Handler handler) {
            add(method.text(), "", path);
            routing.route(method, path, handler);
            return this;
        }

        @Override
        public HttpRouting.Builder route(Method method, PathMatcher path, Handler handler) {
            if (path instanceof Templated t) {
                add(method.text(), "", t.template());
            }
            routing.route(method, path, handler);
            return this;
        }

        @Override
        public HttpRouting.Builder any(String path, Handler... handlers) {
            add("*", "", path);
            routing.any(path, handlers);
            return this;
        }

        @Override
        public HttpRouting.Builder addFilter(Filter filter) {
            routing.addFilter(filter);
            return this;
        }

        @Override
        public HttpRouting.Builder addFeature(Supplier<? extends HttpFeature> feature) {
            routing.addFeature(feature);
            return this;
        }

        @Override
        public <T extends Throwable> HttpRouting.Builder error(Class<T> exceptionClass, ErrorHandler<? super T> handler) {
            routing.error(exceptionClass, handler);
            return this;
        }

        @Override
        public HttpRouting.Builder maxReRouteCount(int maxReRouteCount) {
            routing.maxReRouteCount(maxReRouteCount);
            return this;
        }

        @Override
        public HttpRouting.Builder security(HttpSecurity security) {
            routing.security(security);
            return this;
        }

        @Override
        public HttpRouting.Builder copy() {
            return new RecordingRouting(routing.copy());
        }

        @Override
        public HttpRouting build() {
            return routing.build();
        }
    }
}
