package dev.hotserve.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.PolicyHead;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** README, "Publishing a checkpoint safely"'s policy head on real models: both SAC layouts, deterministic and seeded stochastic. */
class OnnxPolicyHeadTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"actor_seed0", "actor_packed"})
    void headIsSacWithTheReferenceActionWidth(String stem) throws Exception {
        Fixtures.Reference ref = Fixtures.reference(stem);
        try (LoadedModel model = load(stem)) {
            PolicyHead head = PolicyHead.forSignature(model.signature(), null);
            assertThat(head.kind()).isEqualTo("sac");
            assertThat(head.actionDim()).isEqualTo(ref.actionDim());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"actor_seed0", "actor_seed2", "actor_packed"})
    void deterministicActionIsTanhOfMean(String stem) throws Exception {
        Fixtures.Batch batch = Fixtures.reference(stem).batch64();
        try (LoadedModel model = load(stem)) {
            float[][] out = model.run(batch.inputs(), batch.rows());
            float[] action = PolicyHead.forSignature(model.signature(), null).actions(out, batch.rows(), true, null);
            assertThat(Fixtures.maxAbsDiff(action, batch.action())).isLessThanOrEqualTo(1e-5);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"actor_seed1", "actor_packed"})
    void stochasticActionIsReproducibleWithASeed(String stem) throws Exception {
        Fixtures.Batch batch = Fixtures.reference(stem).batch64();
        try (LoadedModel model = load(stem)) {
            float[][] out = model.run(batch.inputs(), batch.rows());
            PolicyHead head = PolicyHead.forSignature(model.signature(), null);

            float[] first = head.actions(out, batch.rows(), false, new SplittableRandom(7));
            float[] again = head.actions(out, batch.rows(), false, new SplittableRandom(7));
            float[] otherSeed = head.actions(out, batch.rows(), false, new SplittableRandom(8));

            assertThat(again).containsExactly(first);
            assertThat(otherSeed).isNotEqualTo(first);
            assertThat(first).isNotEqualTo(batch.action());
            for (float a : first) {
                assertThat(a).isBetween(-1f, 1f);
            }
            // The formula itself, from PyTorch's mean and log_std with the same noise sequence; the
            // tolerance allows for the 1e-5 parity error amplified by exp(log_std) and the noise.
            RandomGenerator rng = new SplittableRandom(7);
            float[] expected = new float[first.length];
            for (int i = 0; i < expected.length; i++) {
                double logStd = Math.min(2.0, Math.max(-20.0, batch.logStd()[i]));
                expected[i] = (float) Math.tanh(batch.mean()[i] + Math.exp(logStd) * rng.nextGaussian());
            }
            assertThat(Fixtures.maxAbsDiff(first, expected)).isLessThanOrEqualTo(1e-3);
        }
    }

    private static LoadedModel load(String stem) throws Exception {
        return new OnnxEngine().load(Fixtures.file(stem + ".onnx"), LoadOptions.defaults());
    }
}
