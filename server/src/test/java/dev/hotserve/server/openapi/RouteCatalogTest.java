package dev.hotserve.server.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRouting;
import org.junit.jupiter.api.Test;

class RouteCatalogTest {

    @Test
    void recordsRoutesAddedDirectlyAndThroughServicesUnderAPrefix() {
        RouteCatalog catalog = new RouteCatalog();
        HttpRouting.Builder routing = catalog.recording(HttpRouting.builder());
        routing.get("/metrics", (req, res) -> res.send());
        routing.route(Method.POST, "/sac/predict", (req, res) -> res.send());
        routing.register("/v2", rules -> {
            rules.get("/health/live", (req, res) -> res.send());
            rules.post("/models/{m}/infer", (req, res) -> res.send());
        });
        routing.any((req, res) -> res.send()); // a fallback: no path, not a route of the API
        routing.build();

        assertThat(catalog.routes()).containsExactly(
                new RouteCatalog.Route("GET", "/metrics"),
                new RouteCatalog.Route("POST", "/sac/predict"),
                new RouteCatalog.Route("GET", "/v2/health/live"),
                new RouteCatalog.Route("POST", "/v2/models/{m}/infer"));
    }

    @Test
    void aTemplateCoversConcretePathsAndPatternsSegmentBySegment() {
        assertThat(OpenApiDocument.samePath("/{name}/predict", "/sac/predict")).isTrue();
        assertThat(OpenApiDocument.samePath("/v2/models/{m}/infer", "/v2/models/{model}/infer")).isTrue();
        assertThat(OpenApiDocument.samePath("/{name}/predict", "/sac/predict/batch")).isFalse();
        assertThat(OpenApiDocument.samePath("/v2/models/{m}", "/v2/{x}/sac")).isFalse();
        assertThat(OpenApiDocument.samePath("/ui/", "/ui")).isFalse();
        assertThat(OpenApiDocument.samePath("/ui", "/ui")).isTrue();
    }
}
