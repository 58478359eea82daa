package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model repository extension (README, "The Open Inference Protocol"): index, load and unload at run time, with the native routes following. */
class RepositoryTest {

    @TempDir
    Path dir;

    private Path modelDir(String name, String fixture, String target, int version) {
        try {
            Path d = Files.createDirectories(dir.resolve(name));
            Checkpoints.publish(d, fixture, target, version);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String ADMIN_KEY = "repository-admin-key";

    /** Loads with a config entry need a key set (SECURITY.md), so this server has an admin key. */
    private TestServer sac() {
        return TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", modelDir("sac", "actor_seed0.onnx", "model_1.onnx", 1).toString(),
                "HOTSERVE_ADMIN_KEY", ADMIN_KEY));
    }

    private static HttpResponse<String> admin(TestServer s, String path, String body) {
        return s.post(path, body, "Authorization", "Bearer " + ADMIN_KEY);
    }

    private static String loadBody(String configJson) {
        return "{\"parameters\":{\"config\":" + TestServer.JSON.valueToTree(configJson) + "}}";
    }

    @Test
    void indexListsEveryModelWithItsVersionAndState() {
        try (TestServer s = sac()) {
            HttpResponse<String> r = admin(s, "/v2/repository/index", "{}");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode j = TestServer.json(r);
            assertThat(j).hasSize(1);
            assertThat(j.get(0).get("name").asText()).isEqualTo("sac");
            assertThat(j.get(0).get("version").asText()).isEqualTo("model_1");
            assertThat(j.get(0).get("state").asText()).isEqualTo("READY");
        }
    }

    @Test
    void loadAddsAModelWhoseNativeAndOipRoutesAnswerAtOnce() {
        Path extra = modelDir("extra", "actor_seed1.onnx", "model_7.onnx", 1);
        try (TestServer s = sac()) {
            assertThat(s.post("/extra/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(404);
            HttpResponse<String> load = admin(s, "/v2/repository/models/extra/load", loadBody("{\"dir\":\"" + extra + "\"}"));
            assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
            assertThat(load.headers().firstValue("X-Model-Version")).contains("model_7");

            HttpResponse<String> predict = s.post("/extra/predict", TestServer.predictBody(28, 0.1));
            assertThat(predict.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(predict).get("model_path").asText()).isEqualTo(extra.resolve("model_7.onnx").toString());
            JsonNode infer = TestServer.json(s.post("/v2/models/extra/infer", Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), "")));
            assertThat(infer.get("model_version").asText()).isEqualTo("model_7");
            JsonNode index = TestServer.json(admin(s, "/v2/repository/index", ""));
            assertThat(index).extracting(e -> e.get("name").asText()).containsExactly("extra", "sac");
        }
    }

    @Test
    void unloadRemovesTheModelFromEveryRoute() {
        try (TestServer s = sac()) {
            HttpResponse<String> r = admin(s, "/v2/repository/models/sac/unload", "");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(s.get("/sac/health").statusCode()).isEqualTo(404);
            assertThat(TestServer.json(s.get("/sac/health")).get("detail").asText()).isEqualTo("no model 'sac'; served models: none");
            assertThat(s.get("/v2/models/sac").statusCode()).isEqualTo(404);
            assertThat(TestServer.json(admin(s, "/v2/repository/index", ""))).isEmpty();
            assertThat(s.server.models()).isEmpty();
        }
    }

    @Test
    void unloadingAnUnknownModelIs404() {
        try (TestServer s = sac()) {
            HttpResponse<String> r = admin(s, "/v2/repository/models/nope/unload", "");
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(TestServer.json(r).get("error").asText()).contains("no model 'nope'");
        }
    }

    @Test
    void loadReplacesAServedModel() {
        Path other = modelDir("other", "actor_seed2.onnx", "model_9.onnx", 1);
        try (TestServer s = sac()) {
            assertThat(admin(s, "/v2/repository/models/sac/load", loadBody("{\"dir\":\"" + other + "\"}")).statusCode()).isEqualTo(200);
            assertThat(TestServer.json(s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), "")))
                    .get("model_version").asText()).isEqualTo("model_9");
        }
    }

    @Test
    void aBadConfigIs400NamingTheField() {
        try (TestServer s = sac()) {
            HttpResponse<String> unknownKey = admin(s, "/v2/repository/models/extra/load", loadBody("{\"dri\":\"/x\"}"));
            assertThat(unknownKey.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(unknownKey).get("error").asText()).contains("unknown key 'dri'");
            HttpResponse<String> badMode = admin(s, "/v2/repository/models/extra/load", loadBody("{\"dir\":\"/x\",\"reload_mode\":\"sometimes\"}"));
            assertThat(badMode.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(badMode).get("error").asText()).contains("reload_mode").contains("'sometimes'");
            HttpResponse<String> notJson = admin(s, "/v2/repository/models/extra/load", loadBody("{dir"));
            assertThat(notJson.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(notJson).get("error").asText()).contains("model extra config is not valid JSON");
            assertThat(s.server.models()).containsOnlyKeys("sac");
        }
    }

    @Test
    void aModelWithoutACheckpointIsListedUnavailableWithTheReason() {
        Path empty = dir.resolve("empty");
        try (TestServer s = sac()) {
            assertThat(admin(s, "/v2/repository/models/later/load", loadBody("{\"dir\":\"" + empty + "\"}")).statusCode()).isEqualTo(200);
            JsonNode later = TestServer.json(admin(s, "/v2/repository/index", "")).get(0);
            assertThat(later.get("name").asText()).isEqualTo("later");
            assertThat(later.get("state").asText()).isEqualTo("UNAVAILABLE");
            assertThat(later.get("reason").asText()).contains(empty.toString());
            assertThat(s.get("/v2/health/ready").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void withNoKeySetNoClientMayNameAPathToLoadFrom() {
        Path extra = modelDir("extra", "actor_seed1.onnx", "model_7.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", modelDir("sac", "actor_seed0.onnx", "model_1.onnx", 1).toString()))) {
            HttpResponse<String> named = s.post("/v2/repository/models/extra/load", loadBody("{\"dir\":\"" + extra + "\"}"));
            assertThat(named.statusCode()).isEqualTo(403);
            assertThat(TestServer.json(named).path("error").asText()).contains("HOTSERVE_ADMIN_KEY");
            assertThat(s.server.models()).containsOnlyKeys("sac");
            assertThat(s.post("/extra/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(404);

            HttpResponse<String> byName = s.post("/v2/repository/models/sac/load", "");
            assertThat(byName.statusCode()).as("a configured model is reloaded by name: no path comes from the client").isEqualTo(200);
            assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);
        }
    }
}
