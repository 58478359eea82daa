package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.server.openapi.OpenApiDocument;
import dev.hotserve.server.openapi.RouteCatalog;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "The dashboard": {@code GET /openapi.json} against the routes the server actually registered (recorded
 * from its routing, not listed by hand). When a feature's routes are merged (OIP, rollout) and
 * one is missing from the document, or the document names one the feature does not register,
 * these tests fail.
 */
class OpenApiTest {

    /** Features that every server has; the others (oip, rollout) are checked once any of their routes exists. */
    static final Set<String> ALWAYS = Set.of("native", "dashboard");

    @TempDir
    Path dir;

    TestServer s;
    OpenApiDocument template;

    @BeforeEach
    void start() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
        template = new OpenApiDocument(new RouteCatalog());
    }

    @AfterEach
    void stop() {
        s.close();
    }

    @Test
    void everyRegisteredRouteIsDescribed() {
        List<RouteCatalog.Route> registered = s.server.routes();
        assertThat(registered).isNotEmpty();
        List<RouteCatalog.Route> undescribed = registered.stream()
                .filter(r -> template.described().stream().noneMatch(op -> op.covers(r)))
                .toList();
        assertThat(undescribed).as("routes the server registers that openapi.json does not describe").isEmpty();
    }

    @Test
    void aFeatureIsRegisteredWholeOrNotAtAll() {
        List<RouteCatalog.Route> registered = s.server.routes();
        Map<String, List<OpenApiDocument.Operation>> byGroup = template.described().stream()
                .collect(Collectors.groupingBy(OpenApiDocument.Operation::group));
        assertThat(byGroup.keySet()).containsAll(ALWAYS).doesNotContain("");
        for (Map.Entry<String, List<OpenApiDocument.Operation>> g : byGroup.entrySet()) {
            List<OpenApiDocument.Operation> present = g.getValue().stream().filter(op -> registered.stream().anyMatch(op::covers)).toList();
            if (ALWAYS.contains(g.getKey()) || !present.isEmpty()) {
                List<OpenApiDocument.Operation> missing = new ArrayList<>(g.getValue());
                missing.removeAll(present);
                assertThat(missing).as("described routes of feature '%s' that the server does not register", g.getKey()).isEmpty();
            }
        }
    }

    @Test
    void theServedDocumentIsOpenApi31AndListsExactlyTheRegisteredRoutes() {
        HttpResponse<String> r = s.get("/openapi.json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode doc = TestServer.json(r);
        assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
        assertThat(doc.get("components").get("securitySchemes").get("bearer").get("scheme").asText()).isEqualTo("bearer");

        Set<String> served = new TreeSet<>();
        doc.get("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> served.add(m.getKey().toUpperCase(Locale.ROOT) + " " + p.getKey())));
        Set<String> expected = template.described().stream()
                .filter(op -> s.server.routes().stream().anyMatch(op::covers))
                .map(op -> op.method() + " " + op.path())
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(served).isEqualTo(expected).contains("POST /{name}/predict", "GET /ui/stream", "GET /openapi.json");
        // Each operation's responses, and every $ref resolves.
        doc.get("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> assertThat(m.getValue().get("responses"))
                .as("%s %s", m.getKey(), p.getKey()).isNotEmpty()));
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        for (String ref : refs) {
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as("%s resolves", ref).isFalse();
        }
    }

    @Test
    void everyDescribedOperationReachesItsHandler() throws Exception {
        JsonNode doc = TestServer.json(s.get("/openapi.json"));
        List<String> unhandled = new ArrayList<>();
        for (Map.Entry<String, JsonNode> p : doc.get("paths").properties()) {
            for (String method : iterable(p.getValue().fieldNames())) {
                String path = p.getKey().replace("{name}", "sac").replace("{m}", "sac").replace("{v}", "latest")
                        .replace("/ui/assets/{file}", "/ui/assets/app.js").replace("/ui/api/{file}", "/ui/api/swagger-ui.css");
                HttpRequest.Builder b = HttpRequest.newBuilder(s.base.resolve(path)).timeout(Duration.ofSeconds(60));
                b.method(method.toUpperCase(Locale.ROOT), method.equals("post") ? HttpRequest.BodyPublishers.ofString("{}")
                        : HttpRequest.BodyPublishers.noBody());
                // Headers only: /ui/stream never ends, and nothing below needs a body but the fallback's.
                HttpResponse<InputStream> r = s.client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                String body;
                try (InputStream in = r.body()) {
                    body = path.equals("/ui/stream") ? "" : new String(in.readAllBytes());
                }
                // The catch-all answers 405 for a known path with another method and 404 "no route" otherwise.
                if (r.statusCode() == 405 || (r.statusCode() == 404 && body.contains("no route"))) {
                    unhandled.add(method + " " + p.getKey() + " -> " + r.statusCode() + " " + body);
                }
            }
        }
        assertThat(unhandled).isEmpty();
    }

    @Test
    void swaggerUiIsServedFromItsWebJar() {
        HttpResponse<String> redirect = s.get("/ui/api");
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location")).hasValue("api/");
        HttpResponse<String> page = s.get("/ui/api/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("swagger-ui-bundle.js").contains("api.js");
        assertThat(s.get("/ui/api/api.js").body()).contains("../../openapi.json");
        HttpResponse<String> bundle = s.get("/ui/api/swagger-ui-bundle.js");
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.body().length()).isGreaterThan(100_000);
        assertThat(s.get("/ui/api/nothing.js").statusCode()).isEqualTo(404);
    }

    @Test
    void theRootRedirectsToTheDashboard() {
        HttpResponse<String> root = s.get("/");
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(s.base.resolve("/").resolve(root.headers().firstValue("Location").orElseThrow()).getPath()).isEqualTo("/ui/");
        HttpResponse<String> page = s.get("/ui/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("default-src 'self'"));
        // No CDN: every script and style sheet comes from this server.
        assertThat(page.body()).contains("assets/uPlot.iife.min.js").doesNotContainPattern("(src|href)=\"(https?:)?//");
    }

    private static void collectRefs(JsonNode n, List<String> out) {
        if (n.isObject()) {
            n.properties().forEach(e -> {
                if (e.getKey().equals("$ref")) {
                    out.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), out);
                }
            });
        } else if (n.isArray()) {
            n.forEach(x -> collectRefs(x, out));
        }
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
        List<T> all = new ArrayList<>();
        it.forEachRemaining(all::add);
        return all;
    }
}
