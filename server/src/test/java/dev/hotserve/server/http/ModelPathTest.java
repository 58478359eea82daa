package dev.hotserve.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.server.openapi.RouteCatalog;
import io.helidon.common.uri.UriPath;
import io.helidon.http.Method;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.HttpRouting;
import org.junit.jupiter.api.Test;

/** The string matcher of the model routes matches what Helidon's template matcher would, and no more. */
class ModelPathTest {

    private static String matched(String template, String path) {
        PathMatchers.MatchResult r = new ModelPath(template).match(UriPath.create(path));
        PathMatchers.MatchResult helidon = PathMatchers.create(template).match(UriPath.create(path));
        assertThat(r.accepted()).as("%s on %s, as Helidon's matcher", template, path).isEqualTo(helidon.accepted());
        if (!r.accepted()) {
            return null;
        }
        assertThat(r.path().pathParameters().get("model")).isEqualTo(helidon.path().pathParameters().get("model"));
        return r.path().pathParameters().get("model");
    }

    @Test
    void matchesOneSegmentForTheModelAndTheRestExactly() {
        assertThat(matched("/{model}/predict", "/sac/predict")).isEqualTo("sac");
        assertThat(matched("/{model}/predict", "/sac-2_b/predict")).isEqualTo("sac-2_b");
        assertThat(matched("/{model}/predict", "/sac/predict/batch")).isNull();
        assertThat(matched("/{model}/predict/batch", "/sac/predict/batch")).isEqualTo("sac");
        assertThat(matched("/{model}/predict", "/a/b/predict")).isNull();
        assertThat(matched("/{model}/predict", "/predict")).isNull();
        assertThat(matched("/{model}/predict", "/sac/predictx")).isNull();
        assertThat(matched("/{model}/predict", "/sac/xpredict")).isNull();
        assertThat(matched("/v2/models/{model}", "/v2/models/sac")).isEqualTo("sac");
        assertThat(matched("/v2/models/{model}", "/v2/models/sac/ready")).isNull();
        assertThat(matched("/v2/models/{model}", "/v2/models/")).isNull();
        assertThat(matched("/v2/models/{model}/infer", "/v2/models/sac/infer")).isEqualTo("sac");
        assertThat(matched("/v2/models/{model}/infer", "/v2/models/sac/versions/1/infer")).isNull();
    }

    @Test
    void onlyTemplatesWhoseOneParameterIsTheModel() {
        assertThat(ModelPath.fits("/{model}/predict")).isTrue();
        assertThat(ModelPath.fits("/v2/models/{model}/versions/{version}/infer")).isFalse();
        assertThat(ModelPath.fits("/metrics")).isFalse();
        assertThat(ModelPath.fits("/ui/assets/{file}")).isFalse();
        assertThatThrownBy(() -> new ModelPath("/{file}/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ModelPath("/{x}/{model}/x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void itsRoutesAreRecordedForTheOpenApiDocument() {
        RouteCatalog catalog = new RouteCatalog();
        HttpRouting.Builder routing = catalog.recording(HttpRouting.builder());
        routing.route(Method.POST, new ModelPath("/{model}/predict"), (req, res) -> res.send());
        routing.build();
        assertThat(catalog.routes()).containsExactly(new RouteCatalog.Route("POST", "/{model}/predict"));
    }
}
