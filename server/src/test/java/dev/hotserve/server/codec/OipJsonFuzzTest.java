package dev.hotserve.server.codec;

import static dev.hotserve.server.codec.HostileBodies.decodesOrRefuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hotserve.engine.Tensor;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.InferRequest;
import dev.hotserve.server.inference.ModelRegistry;
import java.time.Duration;

/**
 * SECURITY.md for the Open Inference Protocol's JSON bodies (infer, repository load): any bytes give
 * a request or a 4xx, and a decoded tensor never holds more elements than the limits allow. Run
 * as a fuzzer with {@code bench/fuzz OipJsonFuzzTest#<method> <minutes>}.
 */
class OipJsonFuzzTest {

    /** Low limits, so the fuzzer meets them often. */
    private static final Limits LIMITS = new Limits(64 * 1024, 64, 10, 4096, 4, 4096, 4096, 16384, 100, 1000, Duration.ofSeconds(60), 8);

    private final OipJsonReader json = new OipJsonReader(new JsonKit());
    /** Decoding asks the dispatcher for limits only: no model is needed. */
    private final Dispatcher dispatcher = new Dispatcher(new ModelRegistry(null, Duration.ZERO), LIMITS);

    @FuzzTest
    void inferRequest(byte[] body) {
        decodesOrRefuses(() -> {
            InferRequest r = json.parseInfer(body, body.length, dispatcher).request();
            assertThat(r.inputs()).hasSizeLessThanOrEqualTo(LIMITS.maxInputs());
            for (Tensor t : r.inputs()) {
                long n = 1;
                for (long d : t.shape()) {
                    n *= d;
                }
                assertThat(n).isLessThanOrEqualTo(LIMITS.maxTensorElements());
            }
        });
    }

    @FuzzTest
    void repositoryLoad(byte[] body) {
        decodesOrRefuses(() -> json.parseLoadConfig(body));
    }
}
