package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's gRPC client with {@code compression_algorithm} "gzip" and "deflate" gets the answers of
 * an uncompressed call; a deflated message that inflates past the size limit is refused with
 * RESOURCE_EXHAUSTED while it is decoded (not grpc-java's UNKNOWN: {@code ParseFailures}), and the
 * server answers the next call.
 */
class TritonGrpcCompressionTest {

    @TempDir
    Path dir;

    @TempDir
    Path scratch;

    @BeforeEach
    void clientIsThere() throws Exception {
        TritonScripts.requireHttpAndGrpcClients(scratch);
    }

    @Test
    void gzipAndDeflateRequestsAreDecodedAndABombIsRefused() throws Exception {
        Path sac = Files.createDirectories(dir.resolve("sac"));
        Checkpoints.publish(sac, "actor_seed0.onnx", "model_1.onnx", 1);
        // A 1 MiB limit: 10,000 rows of 28 zeros are 1.1 MB decoded and a few KB deflated.
        try (TestServer s = TestServer.start(dir, Map.of("HOTSERVE_MODEL_DIR", sac.toString(), "HOTSERVE_GRPC_PORT", "0",
                "HOTSERVE_MAX_BODY_BYTES", Integer.toString(1 << 20)))) {
            String address = "127.0.0.1:" + s.server.grpcPort().orElseThrow();
            JsonNode got = TritonScripts.runAt(scratch, address, "infer_grpc_compressed.py", "10000");
            assertThat(got.get("plain").get("data")).hasSize(3);
            assertThat(got.get("gzip")).isEqualTo(got.get("plain"));
            assertThat(got.get("deflate")).isEqualTo(got.get("plain"));
            assertThat(got.get("bomb").asText()).contains("RESOURCE_EXHAUSTED").contains("exceeds maximum size");
            assertThat(got.get("after")).isEqualTo(got.get("plain"));
        }
    }
}
