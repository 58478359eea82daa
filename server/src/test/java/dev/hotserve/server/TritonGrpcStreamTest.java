package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Triton's gRPC client streaming ({@code start_stream}, {@code async_stream_infer}) against a real
 * server: every request of the stream is answered once, in the order sent, with the values a unary
 * call gives; a bad request in the middle gets its error and the stream goes on. With dynamic
 * batching on, the requests wait for their batch off the event loop, one at a time per stream.
 */
class TritonGrpcStreamTest {

    private static final int COUNT = 12;
    private static final int BAD = 5;

    @TempDir
    Path dir;

    @TempDir
    Path scratch;

    @BeforeEach
    void clientIsThere() throws Exception {
        TritonScripts.requireHttpAndGrpcClients(scratch);
    }

    @ParameterizedTest(name = "max_batch_size {0}")
    @ValueSource(strings = {"0", "8"})
    void everyRequestOfTheStreamIsAnsweredInOrderAndAnErrorDoesNotEndIt(String maxBatchSize) throws Exception {
        Path sac = Files.createDirectories(dir.resolve("sac"));
        Checkpoints.publish(sac, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", sac.toString(), "HOTSERVE_GRPC_PORT", "0",
                "HOTSERVE_MAX_BATCH_SIZE", maxBatchSize))) {
            String address = "127.0.0.1:" + s.server.grpcPort().orElseThrow();
            JsonNode got = TritonScripts.runAt(scratch, address, "infer_stream.py", Integer.toString(COUNT), Integer.toString(BAD));

            List<String> order = new ArrayList<>();
            Map<String, JsonNode> streamed = new HashMap<>();
            List<String> errors = new ArrayList<>();
            for (JsonNode a : got.get("stream")) {
                if (a.has("error")) {
                    order.add("error");
                    errors.add(a.get("error").asText());
                } else {
                    order.add(a.get("id").asText());
                    streamed.put(a.get("id").asText(), a.get("action"));
                }
            }
            List<String> expected = new ArrayList<>();
            for (int k = 0; k < COUNT; k++) {
                expected.add(k == BAD ? "error" : Integer.toString(k));
            }
            assertThat(order).as("answers in the order sent, the bad one as an error").isEqualTo(expected);
            assertThat(errors).singleElement().asString().contains("input 'state' has shape [3, 27]").contains("[-1, 28]");
            assertThat(got.get("unary")).hasSize(COUNT - 1);
            for (JsonNode u : got.get("unary")) {
                String id = u.get("id").asText();
                assertThat(streamed.get(id)).as("action of request %s, streamed and unary", id).isEqualTo(u.get("action"));
            }
        }
    }
}
