package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The route forms of the published OIP document, and the protocol's {"error"} body on every /v2 path, unknown ones too. */
class OipRouteFormsTest {

    @TempDir
    Path dir;

    private TestServer sac() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        return TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
    }

    @Test
    void serverMetadataAnswersWithATrailingSlashToo() {
        try (TestServer s = sac()) {
            HttpResponse<String> slash = s.get("/v2/");
            assertThat(slash.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(slash)).isEqualTo(TestServer.json(s.get("/v2")));
        }
    }

    @Test
    void unknownV2PathsAnswerWithTheProtocolsErrorBody() {
        try (TestServer s = sac()) {
            for (String path : new String[] {"/v2/nope", "/v2/models/sac/nope", "/v2/models/sac/versions/model_1/nope", "/v2/health"}) {
                HttpResponse<String> r = s.get(path);
                assertThat(r.statusCode()).as(path).isEqualTo(404);
                assertThat(TestServer.json(r).has("detail")).as(path).isFalse();
                assertThat(TestServer.json(r).get("error").asText()).as(path).contains("no route " + path);
            }
            HttpResponse<String> wrongMethod = s.post("/v2", "{}");
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            assertThat(TestServer.json(wrongMethod).get("error").asText()).contains("use GET");
        }
    }

    @Test
    void unknownNativePathsKeepTheNativeDetailBody() {
        try (TestServer s = sac()) {
            for (String path : new String[] {"/nope", "/v2nope", "/sac/nope"}) {
                HttpResponse<String> r = s.get(path);
                assertThat(r.statusCode()).as(path).isEqualTo(404);
                assertThat(TestServer.json(r).get("detail").asText()).as(path).contains("no route");
            }
        }
    }
}
