package dev.hotserve.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 3, part 6: every TorchScript fixture matches PyTorch's own outputs (the committed
 * {@code *.reference.json}) within 1e-5, at batch 1 and batch 64, with the graph optimiser off
 * (the default) and on.
 */
class TorchScriptParityTest {

    private static final double TOLERANCE = 1e-5;

    static Stream<Arguments> cases() {
        return TorchFixtures.withReference().stream()
                .flatMap(pt -> Stream.of("batch1", "batch64")
                        .flatMap(batch -> Stream.of(false, true).map(opt -> Arguments.of(pt.getFileName().toString(), batch, opt))));
    }

    @ParameterizedTest(name = "{0} {1} optimize={2}")
    @MethodSource("cases")
    void matchesPyTorchReference(String fixture, String batch, boolean optimize) throws Exception {
        Path pt = TorchFixtures.file(fixture);
        JsonNode ref = TorchFixtures.json(TorchFixtures.reference(pt)).get(batch);
        int rows = ref.get("inputs").size();
        float[] input = TorchFixtures.flatten(ref.get("inputs"));
        float[] mean = TorchFixtures.flatten(ref.get("mean"));
        float[] logStd = TorchFixtures.flatten(ref.get("log_std"));
        int actionDim = mean.length / rows;
        LoadOptions options = TorchFixtures.options(pt).withOptimize(optimize);

        try (LoadedModel model = new TorchScriptEngine().load(pt, options)) {
            float[][] out = model.run(input, rows);
            float[] gotMean;
            float[] gotLogStd;
            if (out.length == 2) {
                gotMean = out[0];
                gotLogStd = out[1];
            } else {
                // Packed [mean | log_std] per row, as the fixture's README says.
                assertThat(out.length).isEqualTo(1);
                assertThat(out[0]).hasSize(rows * 2 * actionDim);
                gotMean = new float[rows * actionDim];
                gotLogStd = new float[rows * actionDim];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(out[0], r * 2 * actionDim, gotMean, r * actionDim, actionDim);
                    System.arraycopy(out[0], r * 2 * actionDim + actionDim, gotLogStd, r * actionDim, actionDim);
                }
            }
            double err = Math.max(maxAbsDiff(gotMean, mean), maxAbsDiff(gotLogStd, logStd));
            System.out.printf("parity %s %s optimize=%s max|err|=%.3g%n", fixture, batch, optimize, err);
            assertThat(gotMean).hasSameSizeAs(mean);
            assertThat(gotLogStd).hasSameSizeAs(logStd);
            assertThat(err).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
