package dev.hotserve.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing native outlives its owner. Two observers: the engine's own count of open DJL models,
 * and DJL's system manager, to which every DJL model (with its module and tensors) is attached
 * until closed. A leak in a failed load, a load/close cycle or a call would grow one of them.
 */
class TorchScriptLeakTest {

    private final TorchScriptEngine engine = new TorchScriptEngine();

    @Test
    void failedLoadsLeaveNothingAttached(@TempDir Path dir) throws Exception {
        Path good = TorchFixtures.file("actor_seed0.pt");
        byte[] pt = TorchFixtures.bytes(good);
        Path truncated = Files.write(dir.resolve("truncated.pt"), Arrays.copyOf(pt, pt.length / 2));
        Path garbage = Files.write(dir.resolve("garbage.pt"), new byte[] {'P', 'K', 3, 4, 1, 2, 3, 4, 5});
        engine.load(good, TorchFixtures.options(good)).close(); // start libtorch before the baseline
        int baseline = systemManagerResources();

        for (int i = 0; i < 50; i++) {
            assertThatThrownBy(() -> engine.load(truncated, LoadOptions.defaults().withStateDim(28)))
                    .isInstanceOf(ModelLoadException.class);
            assertThatThrownBy(() -> engine.load(garbage, LoadOptions.defaults().withStateDim(28)))
                    .isInstanceOf(ModelLoadException.class);
            // These two fail after the module is in native memory: the probe, and the missing width.
            assertThatThrownBy(() -> engine.load(good, LoadOptions.defaults().withStateDim(27)))
                    .isInstanceOf(ModelLoadException.class);
            assertThatThrownBy(() -> engine.load(good, LoadOptions.defaults()))
                    .isInstanceOf(ModelLoadException.class);
        }

        assertThat(engine.openModels()).isZero();
        assertThat(systemManagerResources()).isEqualTo(baseline);
    }

    @Test
    void loadRunCloseCyclesLeaveNothingAttached() throws Exception {
        Path good = TorchFixtures.file("actor_seed2.pt");
        engine.load(good, TorchFixtures.options(good)).close();
        int baseline = systemManagerResources();

        for (int i = 0; i < 200; i++) {
            try (LoadedModel model = engine.load(good, TorchFixtures.options(good))) {
                assertThat(engine.openModels()).isEqualTo(1);
                model.run(new float[28 * 64], 64);
            }
        }

        assertThat(engine.openModels()).isZero();
        assertThat(systemManagerResources()).isEqualTo(baseline);
    }

    @Test
    void callsLeaveNoTensorBehind() throws Exception {
        Path good = TorchFixtures.file("actor_seed1.pt");
        try (LoadedModel model = engine.load(good, TorchFixtures.options(good))) {
            int before = systemManager().getManagedArrays().size();
            for (int i = 0; i < 1000; i++) {
                model.run(new float[28 * (1 + i % 8)], 1 + i % 8);
            }
            assertThat(systemManager().getManagedArrays()).hasSize(before);
        }
    }

    /** DJL's process-wide root manager (package-private in DJL; reached as a base manager's parent). */
    private static NDManager systemManager() {
        try (NDManager base = Engine.getEngine("PyTorch").newBaseManager()) {
            return base.getParentManager();
        }
    }

    /** How many resources (models, managers, arrays) DJL's process-wide root manager holds. */
    private static int systemManagerResources() throws ReflectiveOperationException {
        Field f = BaseNDManager.class.getDeclaredField("resources");
        f.setAccessible(true);
        return ((Map<?, ?>) f.get(systemManager())).size();
    }
}
