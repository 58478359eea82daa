package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's own clients ({@code tritonclient.http} and {@code tritonclient.grpc}, unmodified, with
 * their defaults) calling Triton's extensions on a real server: model configuration, statistics
 * that follow the inferences they sent, and the repository's index, load and unload with the admin
 * key. The gRPC client reaches them as methods of the same service as its inference.
 */
class TritonExtensionsClientTest {

    private static final String ADMIN_KEY = "triton-admin-key";

    @TempDir
    Path dir;

    @TempDir
    Path scratch;

    @BeforeEach
    void clientsAreThere() throws Exception {
        TritonScripts.requireHttpAndGrpcClients(scratch);
    }

    private TestServer start() throws IOException {
        Path sac = Files.createDirectories(dir.resolve("sac"));
        Checkpoints.publish(sac, "actor_seed0.onnx", "model_1.onnx", 1);
        return TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", sac.toString(), "HOTSERVE_ADMIN_KEY", ADMIN_KEY, "HOTSERVE_GRPC_PORT", "0"));
    }

    private Path extra() throws IOException {
        Path extra = Files.createDirectories(dir.resolve("extra"));
        Checkpoints.publish(extra, "actor_seed1.onnx", "model_7.onnx", 1);
        return extra;
    }

    private static long number(JsonNode n) {
        return n == null || n.isMissingNode() ? 0 : n.asLong(); // as_json: uint64 as text, zeros left out
    }

    private static JsonNode onlyStats(JsonNode answer) {
        assertThat(answer.get("model_stats")).hasSize(1);
        return answer.get("model_stats").get(0);
    }

    /** What both clients got, read alike: the statistics moved by exactly the requests sent. */
    private static void assertCommon(JsonNode got) {
        JsonNode before = onlyStats(got.get("stats_before"));
        JsonNode after = onlyStats(got.get("stats_after"));
        assertThat(after.get("name").asText()).isEqualTo("sac");
        assertThat(after.get("version").asText()).isEqualTo("model_1");
        assertThat(number(after.get("inference_count")) - number(before.get("inference_count"))).isEqualTo(3);
        assertThat(number(after.get("execution_count")) - number(before.get("execution_count"))).isEqualTo(3);
        JsonNode success = after.get("inference_stats").get("success");
        assertThat(number(success.get("count"))).isEqualTo(3);
        assertThat(number(success.get("ns"))).isPositive();
        assertThat(number(after.get("last_inference"))).isPositive();
        assertThat(number(after.get("batch_stats").get(0).get("batch_size"))).isEqualTo(1);
        assertThat(number(onlyStats(got.get("stats_all")).get("inference_count"))).isEqualTo(3);
        assertThat(number(onlyStats(got.get("stats_version")).get("inference_count"))).isEqualTo(3);

        JsonNode config = got.get("config");
        assertThat(config.get("name").asText()).isEqualTo("sac");
        assertThat(config.get("platform").asText()).isEqualTo("onnxruntime_onnx");
        assertThat(config.get("backend").asText()).isEqualTo("onnxruntime");
        assertThat(config.get("input").get(0).get("name").asText()).isEqualTo("state");
        assertThat(config.get("input").get(0).get("data_type").asText()).isEqualTo("TYPE_FP32");
        assertThat(config.get("input").get(0).get("dims")).extracting(JsonNode::asLong).containsExactly(-1L, 28L);
        assertThat(config.get("output")).extracting(o -> o.get("name").asText()).containsExactly("mean", "log_std", "action");

        assertThat(got.get("extra_ready").asBoolean()).isTrue();
        assertThat(got.get("unknown").get("message").asText()).contains("nope");
    }

    private static JsonNode names(JsonNode index) {
        return TestServer.JSON.valueToTree(java.util.stream.StreamSupport.stream(index.spliterator(), false)
                .map(m -> m.get("name").asText()).toList());
    }

    @Test
    void theHttpClientReadsConfigurationStatisticsAndTheRepository() throws Exception {
        try (TestServer s = start()) {
            JsonNode got = TritonScripts.run(scratch, s, "extensions_http.py", ADMIN_KEY, extra().toString());
            assertCommon(got);
            assertThat(got.get("metadata").get("extensions")).extracting(JsonNode::asText)
                    .containsExactly("binary_tensor_data", "model_repository", "statistics", "model_configuration");
            assertThat(got.get("config").get("max_batch_size").asInt()).isZero();
            assertThat(got.get("config_version")).isEqualTo(got.get("config"));
            assertThat(number(onlyStats(got.get("stats_before")).get("inference_count"))).isZero();
            assertThat(got.get("index").get(0).get("state").asText()).isEqualTo("READY");
            assertThat(names(got.get("index_loaded"))).extracting(JsonNode::asText).containsExactly("extra", "sac");
            assertThat(names(got.get("index_unloaded"))).extracting(JsonNode::asText).containsExactly("sac");
            assertThat(got.get("unknown").get("status").asText()).isEqualTo("404");
            assertThat(got.get("index_without_key").get("status").asText()).isEqualTo("401");
        }
    }

    @Test
    void theGrpcClientReachesTheExtensionMethodsOnTheSamePort() throws Exception {
        try (TestServer s = start()) {
            String address = "127.0.0.1:" + s.server.grpcPort().orElseThrow();
            JsonNode got = TritonScripts.runAt(scratch, address, "extensions_grpc.py", ADMIN_KEY, extra().toString());
            assertCommon(got);
            assertThat(got.get("metadata").get("extensions")).extracting(JsonNode::asText)
                    .containsExactly("model_repository", "statistics", "model_configuration");
            assertThat(got.get("index").get("models").get(0).get("state").asText()).isEqualTo("READY");
            assertThat(names(got.get("index_loaded").get("models"))).extracting(JsonNode::asText).containsExactly("extra", "sac");
            assertThat(names(got.get("index_unloaded").get("models"))).extracting(JsonNode::asText).containsExactly("sac");
            assertThat(got.get("unknown").get("status").asText()).isEqualTo("StatusCode.NOT_FOUND");
            assertThat(got.get("index_without_key").get("status").asText()).isEqualTo("StatusCode.UNAUTHENTICATED");
        }
    }
}
