package dev.hotserve.server.http;

import dev.hotserve.server.openapi.RouteCatalog;
import io.helidon.common.parameters.Parameters;
import io.helidon.common.uri.UriPath;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.http.RoutedPath;
import io.helidon.webserver.http.ServerRequest;
import java.util.Map;

/**
 * Matches a path template whose only parameter is the model, {@code /{model}/predict} or
 * {@code /v2/models/{model}/infer}, by comparing strings. Helidon's template matcher runs a regex
 * and builds a parameter map per request (looking up the global mapper registry for it): with the
 * templates that serve models loaded at run time, {@code /sac/predict} at 64 connections spent
 * 15 % more CPU per request than round 1's fixed paths (JFR, BENCHMARKS.md). The model's name is
 * read with {@link #model}; the parameter map is made only if something else asks for it.
 */
final class ModelPath implements PathMatcher, RouteCatalog.Templated {

    private static final String PARAM = "{model}";

    private final String template;
    private final String prefix;
    private final String suffix;

    ModelPath(String template) {
        if (!fits(template) || !template.startsWith("/")) {
            throw new IllegalArgumentException("not a template with only {model}: " + template);
        }
        int at = template.indexOf(PARAM);
        this.template = template;
        this.prefix = template.substring(0, at);
        this.suffix = template.substring(at + PARAM.length());
    }

    /** Whether {@code template} has the model as its only parameter. */
    static boolean fits(String template) {
        int at = template.indexOf(PARAM);
        return at >= 0 && template.indexOf('{', at + 1) < 0 && template.indexOf('{') == at;
    }

    /** The model a request's path names: from this matcher's match, else from the route's path parameters. */
    static String model(ServerRequest req) {
        return req.path() instanceof Matched m ? m.model : req.path().pathParameters().get("model");
    }

    /** Whether the request's route was matched by a {@code ModelPath}: it has no parameter but the model. */
    static boolean matched(ServerRequest req) {
        return req.path() instanceof Matched;
    }

    /** As {@link #model}, or null when the route has no model parameter. */
    static String modelOrNull(ServerRequest req) {
        if (req.path() instanceof Matched m) {
            return m.model;
        }
        Parameters params = req.path().pathParameters();
        return params.contains("model") ? params.get("model") : null;
    }

    @Override
    public String template() {
        return template;
    }

    @Override
    public PathMatchers.MatchResult match(UriPath uriPath) {
        String p = uriPath.path();
        int end = p.length() - suffix.length();
        if (end > prefix.length() && p.startsWith(prefix) && p.endsWith(suffix)) {
            int slash = p.indexOf('/', prefix.length());
            if (slash == (suffix.isEmpty() ? -1 : end)) {
                String model = p.substring(prefix.length(), end);
                // No model is named v2 (the configuration refuses it): /v2/health is an unknown protocol route, not a model's.
                if (prefix.equals("/") && model.equals("v2")) {
                    return PathMatchers.MatchResult.notAccepted();
                }
                return new PathMatchers.MatchResult(true, new Matched(uriPath, model));
            }
        }
        return PathMatchers.MatchResult.notAccepted();
    }

    @Override
    public PathMatchers.PrefixMatchResult prefixMatch(UriPath uriPath) {
        return PathMatchers.PrefixMatchResult.notAccepted(); // a route, never a prefix of a service
    }

    @Override
    public String toString() {
        return template;
    }

    /** The matched path and the model it names. */
    private static final class Matched implements RoutedPath {
        private final UriPath path;
        private final String model;
        private Parameters params;

        Matched(UriPath path, String model) {
            this.path = path;
            this.model = model;
        }

        @Override
        public Parameters pathParameters() {
            Parameters p = params;
            if (p == null) {
                p = Parameters.createSingleValueMap("path", Map.of("model", model));
                params = p;
            }
            return p;
        }

        @Override
        public RoutedPath absolute() {
            return this;
        }

        @Override
        public String rawPath() {
            return path.rawPath();
        }

        @Override
        public String rawPathNoParams() {
            return path.rawPathNoParams();
        }

        @Override
        public String path() {
            return path.path();
        }

        @Override
        public Parameters matrixParameters() {
            return path.matrixParameters();
        }

        @Override
        public void validate() {
            path.validate();
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }
}
