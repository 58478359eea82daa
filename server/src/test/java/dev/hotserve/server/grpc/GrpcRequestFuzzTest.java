package dev.hotserve.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.InferRequest;
import dev.hotserve.server.inference.ModelRegistry;
import java.time.Duration;

/**
 * SECURITY.md for the gRPC inference request: any message bytes are refused by protobuf or converted
 * into a request or an {@link InvalidInputException} (gRPC's INVALID_ARGUMENT); nothing else. Run as
 * a fuzzer with {@code bench/fuzz GrpcRequestFuzzTest#inferRequest <minutes>}.
 */
class GrpcRequestFuzzTest {

    private static final Limits LIMITS = new Limits(64 * 1024, 64, 10, 4096, 4, 4096, 4096, 16384, 100, 1000, Duration.ofSeconds(60), 8);
    private final Dispatcher dispatcher = new Dispatcher(new ModelRegistry(null, Duration.ZERO), LIMITS);

    @FuzzTest
    void inferRequest(byte[] message) {
        ModelInferRequest req;
        try {
            req = ModelInferRequest.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            return; // protobuf's own refusal: gRPC answers INTERNAL/INVALID_ARGUMENT before our code runs
        }
        try {
            InferRequest r = GrpcTensors.request(req, dispatcher);
            assertThat(r.inputs()).hasSizeLessThanOrEqualTo(LIMITS.maxInputs());
        } catch (InvalidInputException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
