package dev.hotserve.server.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hotserve.server.codec.JsonKit;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * {@code GET /openapi.json}: an OpenAPI 3.1 description of the routes this server registered.
 *
 * <p>{@code openapi.json} beside this class describes every route hotserve can have (native,
 * OIP, rollout, dashboard), each operation tagged with the feature it belongs to
 * ({@code x-hotserve-group}). The served document keeps only the operations whose route the
 * {@link RouteCatalog} saw registered, so it never describes a route that is not there; the
 * tests check the other direction (every registered route is described, and a feature is
 * registered whole or not at all).
 */
public final class OpenApiDocument {

    static final String RESOURCE = "/dev/hotserve/server/openapi/openapi.json";
    public static final String CONTENT_TYPE = "application/json";

    /** One described operation. */
    public record Operation(String method, String path, String group) {
        public Operation {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(group, "group");
        }

        /** Whether this operation's path template covers {@code route} (a registered path, maybe with its own {params}). */
        public boolean covers(RouteCatalog.Route route) {
            return (route.method().equals("*") || route.method().equalsIgnoreCase(method)) && samePath(path, route.path());
        }
    }

    /** The server's one JSON setup; the template is a tree, edited per registered route. */
    private final ObjectMapper json = new JsonKit().trees();
    private final ObjectNode template;
    private final RouteCatalog catalog;
    private volatile byte[] served;

    public OpenApiDocument(RouteCatalog catalog) {
        this.catalog = catalog;
        this.template = load(json);
    }

    /** Mounts {@code GET /openapi.json} (public: it describes routes, it holds no data). */
    public void register(HttpRouting.Builder routing) {
        routing.route(Method.GET, "/openapi.json", (req, res) -> {
            res.status(200);
            res.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.send(bytes());
        });
    }

    /** Every operation the template describes, registered or not. */
    public List<Operation> described() {
        List<Operation> ops = new ArrayList<>();
        template.get("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> ops.add(
                new Operation(m.getKey().toUpperCase(Locale.ROOT), p.getKey(), m.getValue().path("x-hotserve-group").asText("")))));
        return ops;
    }

    /**
     * The document as served: built on first use, once every route is registered (the routing is
     * complete before the server takes its first request).
     */
    public byte[] bytes() {
        byte[] b = served;
        if (b == null) {
            b = build(catalog.routes());
            served = b;
        }
        return b;
    }

    private byte[] build(List<RouteCatalog.Route> registered) {
        ObjectNode doc = template.deepCopy();
        ObjectNode paths = (ObjectNode) doc.get("paths");
        for (Iterator<Map.Entry<String, JsonNode>> p = paths.fields(); p.hasNext();) {
            Map.Entry<String, JsonNode> item = p.next();
            for (Iterator<String> m = item.getValue().fieldNames(); m.hasNext();) {
                Operation op = new Operation(m.next().toUpperCase(Locale.ROOT), item.getKey(), "");
                if (registered.stream().noneMatch(op::covers)) {
                    m.remove();
                }
            }
            if (item.getValue().isEmpty()) {
                p.remove();
            }
        }
        try {
            return json.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the OpenAPI document", e);
        }
    }

    /**
     * Segment by segment: a {@code {param}} on either side matches any one segment (a registered
     * pattern's parameter only matches the template's parameter); literals must be equal.
     */
    static boolean samePath(String template, String registered) {
        String[] t = segments(template);
        String[] r = segments(registered);
        if (t.length != r.length) {
            return false;
        }
        for (int i = 0; i < t.length; i++) {
            boolean tParam = isParam(t[i]);
            boolean rParam = isParam(r[i]);
            if (rParam ? !tParam : !(tParam || t[i].equals(r[i]))) {
                return false;
            }
        }
        return true;
    }

    private static String[] segments(String path) {
        // "/ui/" and "/ui" are different routes: keep the trailing empty segment.
        return path.split("/", -1);
    }

    private static boolean isParam(String segment) {
        return segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}");
    }

    private static ObjectNode load(ObjectMapper json) {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI template " + RESOURCE + " is not on the class path");
            }
            return (ObjectNode) json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }
}
