package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's statistics and model-configuration extensions over REST (README, "The Open Inference
 * Protocol"): the JSON of each route form, counts that follow the requests sent, and the
 * protocol's errors.
 */
class OipExtensionsRestTest {

    @TempDir
    Path dir;

    private TestServer sac(String... env) {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> e = new HashMap<>(Map.of("HOTSERVE_MODEL_DIR", dir.toString()));
        for (int i = 0; i < env.length; i += 2) {
            e.put(env[i], env[i + 1]);
        }
        return TestServer.start(dir, e);
    }

    private static String infer(int rows) {
        return Oip.infer("state", "FP32", new long[] {rows, 28}, Oip.values(rows * 28), "");
    }

    private static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.json(r);
    }

    private static long count(JsonNode stats, String field) {
        return stats.get("inference_stats").get(field).get("count").asLong();
    }

    @Test
    void serverMetadataListsTheExtensionsThatWork() {
        try (TestServer s = sac()) {
            assertThat(ok(s.get("/v2")).get("extensions")).extracting(JsonNode::asText)
                    .containsExactly("binary_tensor_data", "model_repository", "statistics", "model_configuration");
        }
    }

    @Test
    void statisticsCountEachRequestOnTheVersionThatAnsweredIt() {
        try (TestServer s = sac()) {
            JsonNode before = ok(s.get("/v2/models/sac/stats")).get("model_stats");
            assertThat(before).hasSize(1);
            assertThat(before.get(0).get("name").asText()).isEqualTo("sac");
            assertThat(before.get(0).get("version").asText()).isEqualTo("model_1");
            assertThat(before.get(0).get("inference_count").asLong()).isZero();
            assertThat(before.get(0).get("last_inference").asLong()).isZero();
            assertThat(before.get(0).get("batch_stats")).isEmpty();

            long t0 = System.currentTimeMillis();
            for (int rows : new int[] {1, 3, 2}) {
                ok(s.post("/v2/models/sac/infer", infer(rows)));
            }
            ok(s.post("/sac/predict", TestServer.predictBody(28, 0.1))); // the native route is the same model's
            HttpResponse<String> bad = s.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {1, 27}, Oip.values(27), ""));
            assertThat(bad.statusCode()).isEqualTo(400);

            JsonNode stats = ok(s.get("/v2/models/sac/stats")).get("model_stats").get(0);
            // Without batching each request is one engine call, a batch of 1 as Triton counts a model of max_batch_size 0.
            assertThat(stats.get("inference_count").asLong()).isEqualTo(4);
            assertThat(stats.get("execution_count").asLong()).isEqualTo(4);
            assertThat(count(stats, "success")).isEqualTo(4);
            assertThat(count(stats, "fail")).isEqualTo(1);
            for (String part : new String[] {"queue", "compute_input", "compute_infer", "compute_output"}) {
                assertThat(count(stats, part)).as(part).isEqualTo(4);
            }
            JsonNode success = stats.get("inference_stats").get("success");
            assertThat(success.get("ns").asLong()).isPositive()
                    .isGreaterThanOrEqualTo(stats.get("inference_stats").get("compute_infer").get("ns").asLong());
            assertThat(stats.get("inference_stats").get("queue").get("ns").asLong()).as("no queue without batching").isZero();
            assertThat(stats.get("last_inference").asLong()).isGreaterThanOrEqualTo(t0);
            assertThat(stats.get("batch_stats")).hasSize(1);
            assertThat(stats.get("batch_stats").get(0).get("batch_size").asLong()).isEqualTo(1);
            assertThat(stats.get("batch_stats").get(0).get("compute_infer").get("count").asLong()).isEqualTo(4);

            // The same numbers by version name, by label and in the list of every model.
            assertThat(ok(s.get("/v2/models/sac/versions/model_1/stats")).get("model_stats").get(0).get("execution_count").asLong())
                    .isEqualTo(4);
            assertThat(ok(s.get("/v2/models/sac/versions/latest/stats")).get("model_stats").get(0).get("version").asText())
                    .isEqualTo("model_1");
            JsonNode all = ok(s.get("/v2/models/stats")).get("model_stats");
            assertThat(all).hasSize(1);
            assertThat(all.get(0).get("inference_count").asLong()).isEqualTo(4);
        }
    }

    @Test
    void withDynamicBatchingTheBatcherCountsEngineCallsByRowsAndInferencesByRows() {
        try (TestServer s = sac("HOTSERVE_MAX_BATCH_SIZE", "8")) {
            for (int rows : new int[] {1, 3, 3, 9}) {
                ok(s.post("/v2/models/sac/infer", infer(rows)));
            }
            JsonNode stats = ok(s.get("/v2/models/sac/stats")).get("model_stats").get(0);
            // One request at a time: each leads its own call; 9 rows are more than a batch and run alone.
            assertThat(stats.get("inference_count").asLong()).isEqualTo(16);
            assertThat(stats.get("execution_count").asLong()).isEqualTo(4);
            assertThat(count(stats, "success")).isEqualTo(4);
            assertThat(count(stats, "queue")).isEqualTo(4);
            assertThat(count(stats, "compute_infer")).isEqualTo(4);
            JsonNode batches = stats.get("batch_stats");
            assertThat(batches).extracting(b -> b.get("batch_size").asLong()).containsExactly(1L, 3L, 9L);
            assertThat(batches).extracting(b -> b.get("compute_infer").get("count").asLong()).containsExactly(1L, 2L, 1L);
        }
    }

    @Test
    void configSaysPlatformBackendAndTheTensorsOfTheServingVersion() {
        try (TestServer s = sac()) {
            HttpResponse<String> r = s.get("/v2/models/sac/config");
            JsonNode c = ok(r);
            assertThat(r.headers().firstValue("X-Model-Version")).hasValue("model_1");
            assertThat(c.get("name").asText()).isEqualTo("sac");
            assertThat(c.get("platform").asText()).isEqualTo("onnxruntime_onnx");
            assertThat(c.get("backend").asText()).isEqualTo("onnxruntime");
            assertThat(c.get("max_batch_size").asInt()).isZero();
            assertThat(c.has("dynamic_batching")).isFalse();
            assertThat(c.get("input")).hasSize(1);
            assertThat(c.get("input").get(0).get("name").asText()).isEqualTo("state");
            assertThat(c.get("input").get(0).get("data_type").asText()).isEqualTo("TYPE_FP32");
            assertThat(c.get("input").get(0).get("dims").toString()).isEqualTo("[-1,28]");
            assertThat(c.get("output")).extracting(o -> o.get("name").asText()).containsExactly("mean", "log_std", "action");
            assertThat(c.get("output").get(2).get("dims").toString()).isEqualTo("[-1,1]");
            assertThat(ok(s.get("/v2/models/sac/versions/model_1/config"))).isEqualTo(c);
        }
    }

    @Test
    void withDynamicBatchingTheConfigHasAMaxBatchSizeAndDimsWithoutTheBatchDimension() {
        try (TestServer s = sac("HOTSERVE_MAX_BATCH_SIZE", "8", "HOTSERVE_MAX_QUEUE_DELAY", "2ms")) {
            JsonNode c = ok(s.get("/v2/models/sac/config"));
            assertThat(c.get("max_batch_size").asInt()).isEqualTo(8);
            assertThat(c.get("input").get(0).get("dims").toString()).isEqualTo("[28]");
            assertThat(c.get("output").get(0).get("dims").toString()).isEqualTo("[1]");
            assertThat(c.get("dynamic_batching").get("max_queue_delay_microseconds").asLong()).isEqualTo(2000);
            assertThat(c.get("dynamic_batching").get("default_queue_policy").get("max_queue_size").asInt()).isEqualTo(8 * 16);
        }
    }

    @Test
    void configNamesEachTensorsDatatypeAsTritonDoes() {
        for (String[] t : new String[][] {{"fp16", "TYPE_FP16"}, {"uint8", "TYPE_UINT8"}, {"int64", "TYPE_INT64"}, {"bool", "TYPE_BOOL"},
            {"bytes", "TYPE_STRING"}}) {
            Path d = dir.resolve(t[0]);
            Oip.install(Oip.tensorFixture("identity_" + t[0] + ".onnx"), createDirectories(d), "model_1.onnx");
            try (TestServer s = TestServer.start(d, Map.of("HOTSERVE_MODEL_DIR", d.toString(), "HOTSERVE_MODEL_NAME", "id"))) {
                JsonNode c = ok(s.get("/v2/models/id/config"));
                assertThat(c.get("input").get(0).get("data_type").asText()).as(t[0]).isEqualTo(t[1]);
                assertThat(c.get("output").get(0).get("data_type").asText()).as(t[0]).isEqualTo(t[1]);
            }
        }
    }

    private static Path createDirectories(Path d) {
        try {
            return Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void unknownModelsAndVersionsAre404WithTheProtocolsErrorBody() {
        try (TestServer s = sac()) {
            for (String path : new String[] {"/v2/models/nope/stats", "/v2/models/nope/config", "/v2/models/sac/versions/model_9/stats",
                "/v2/models/sac/versions/model_9/config", "/v2/models/nope/versions/latest/stats"}) {
                HttpResponse<String> r = s.get(path);
                assertThat(r.statusCode()).as(path).isEqualTo(404);
                assertThat(TestServer.json(r).get("error").asText()).as(path).isNotBlank();
            }
            assertThat(TestServer.json(s.get("/v2/models/sac/versions/model_9/stats")).get("error").asText())
                    .contains("model_9").contains("model_1");
            assertThat(TestServer.json(s.get("/v2/models/nope/stats")).get("error").asText()).contains("nope");
            HttpResponse<String> post = s.post("/v2/models/sac/stats", "{}");
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(TestServer.json(post).get("error").asText()).contains("use GET");
        }
    }

    @Test
    void theRoutesNeedTheApiKeyWhenOneIsSet() {
        try (TestServer s = sac("HOTSERVE_API_KEY", "user-key")) {
            for (String path : new String[] {"/v2/models/stats", "/v2/models/sac/stats", "/v2/models/sac/config"}) {
                assertThat(s.get(path).statusCode()).as(path).isEqualTo(401);
                assertThat(s.get(path, "Authorization", "Bearer user-key").statusCode()).as(path).isEqualTo(200);
            }
        }
    }
}
