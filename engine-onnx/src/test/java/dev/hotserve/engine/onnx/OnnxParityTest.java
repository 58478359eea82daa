package dev.hotserve.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.PolicyHead;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every ONNX fixture gives PyTorch's float32 outputs within 1e-5, at batch 1 and 64, optimised or not. */
class OnnxParityTest {

    static final double TOLERANCE = 1e-5;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String stem : List.of("actor_seed0", "actor_seed1", "actor_seed2", "actor_packed", "actor_fixed_batch4")) {
            for (int rows : new int[] {1, 64}) {
                for (boolean optimize : new boolean[] {false, true}) {
                    cases.add(Arguments.of(stem, rows, optimize));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} batch {1} optimize {2}")
    @MethodSource("cases")
    void matchesPyTorch(String stem, int rows, boolean optimize) throws Exception {
        Fixtures.Reference ref = Fixtures.reference(stem);
        Fixtures.Batch batch = ref.batch(rows);
        LoadOptions options = LoadOptions.defaults().withOptimize(optimize);
        try (LoadedModel model = new OnnxEngine().load(Fixtures.file(stem + ".onnx"), options)) {
            float[][] out = model.run(batch.inputs(), rows);
            float[] mean;
            float[] logStd;
            if (out.length == 1) {
                // Packed [mean(k) | log_std(k)] per row.
                int k = ref.actionDim();
                mean = new float[rows * k];
                logStd = new float[rows * k];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(out[0], r * 2 * k, mean, r * k, k);
                    System.arraycopy(out[0], r * 2 * k + k, logStd, r * k, k);
                }
            } else {
                mean = out[0];
                logStd = out[1];
            }
            double meanErr = Fixtures.maxAbsDiff(mean, batch.mean());
            double logStdErr = Fixtures.maxAbsDiff(logStd, batch.logStd());
            float[] action = PolicyHead.forSignature(model.signature(), null)
                    .actions(out, rows, true, new SplittableRandom(0));
            double actionErr = Fixtures.maxAbsDiff(action, batch.action());
            System.out.printf("parity %s batch %d optimize %s: mean %.2e log_std %.2e action %.2e%n",
                    stem, rows, optimize, meanErr, logStdErr, actionErr);

            assertThat(model.optimized()).isEqualTo(optimize);
            assertThat(meanErr).as("max |mean - torch|").isLessThanOrEqualTo(TOLERANCE);
            assertThat(logStdErr).as("max |log_std - torch|").isLessThanOrEqualTo(TOLERANCE);
            assertThat(actionErr).as("max |tanh(mean) - torch|").isLessThanOrEqualTo(TOLERANCE);
        }
    }
}
