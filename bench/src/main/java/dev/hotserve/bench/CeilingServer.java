package dev.hotserve.bench;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Header;
import io.helidon.webserver.WebServer;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP ceiling for issue 5 item 2: a Helidon SE WebServer, same version and defaults as the
 * hotserve server, whose {@code POST /sac/predict} reads the request body and answers a constant
 * JSON of about the size of a real prediction. Whatever hotserve does beyond this (JSON parsing,
 * the freshness check, the lease, the engine call, metrics) is what the ratio against it measures.
 *
 * <p>Usage: {@code CeilingServer <port|0>}; prints {@code listening <port>} once it accepts.
 */
public final class CeilingServer {

    // Shaped like a real answer (same headers, similar length) so the bytes on the wire match.
    private static final byte[] BODY = ("{\"action\":0.123456789,\"model_path\":\"/tmp/hotserve-bench/model_0000.onnx\","
            + "\"model_mtime_utc\":\"2026-01-01T00:00:00Z\",\"generation\":1,\"latency_ms\":0.01,\"jit_compiled\":false}")
            .getBytes(StandardCharsets.UTF_8);
    private static final Header JSON = HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/json");
    private static final Header GENERATION = HeaderValues.create("X-Model-Generation", "1");
    private static final Header PATH = HeaderValues.create("X-Model-Path", "/tmp/hotserve-bench/model_0000.onnx");

    private CeilingServer() {}

    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .routing(r -> r
                        .post("/sac/predict", (req, res) -> {
                            // Read the body as the real route must, so the ceiling pays for it too.
                            req.content().as(byte[].class);
                            res.header(JSON).header(GENERATION).header(PATH).send(BODY);
                        })
                        .get("/sac/health", (req, res) -> res.header(JSON).send("{\"status\":\"ok\"}")))
                .build()
                .start();
        System.out.println("listening " + server.port());
        System.out.flush();
    }
}
