package dev.hotserve.server.codec;

import static dev.hotserve.server.codec.HostileBodies.decodesOrRefuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hotserve.server.config.Limits;

/**
 * SECURITY.md for the native API's request bodies ({@code /<model>/predict}, {@code /predict/batch},
 * {@code /benchmark}, {@code /rollback}): any bytes give a request or a 4xx. Run one as a fuzzer
 * with {@code bench/fuzz NativeJsonFuzzTest#<method> <minutes>}.
 */
class NativeJsonFuzzTest {

    private static final int WIDTH = 28;
    private final JsonKit kit = new JsonKit();
    private final NativeJson codec = new NativeJson(kit);
    private final AdminJson admin = new AdminJson(kit);

    @FuzzTest
    void predict(byte[] body) {
        decodesOrRefuses(() -> assertThat(codec.parsePredict(body, WIDTH).state()).hasSize(WIDTH));
    }

    @FuzzTest
    void predictBatch(byte[] body) {
        decodesOrRefuses(() -> {
            NativeJson.BatchRequest b = codec.parseBatch(body, WIDTH, 64);
            assertThat(b.rowCount()).isBetween(0, 64);
            assertThat(b.rows().length).isGreaterThanOrEqualTo(b.rowCount() * WIDTH);
        });
    }

    @FuzzTest
    void benchmark(byte[] body) {
        decodesOrRefuses(() -> admin.parseBenchmark(body, Limits.defaults()));
    }

    @FuzzTest
    void rollback(byte[] body) {
        decodesOrRefuses(() -> admin.parseRollback(body));
    }
}
