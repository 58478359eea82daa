package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.FakeModel;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm loads after a first load: the serving checkpoint loaded again off the request path and
 * thrown away, each model closed exactly once, no reload event, no change to what serves; they
 * stop once another version serves, and cost nothing when off.
 */
class WarmLoadsTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    /** The background tasks, run when the test says. */
    final List<Runnable> queued = new CopyOnWriteArrayList<>();
    final Executor held = queued::add;

    private void publish(int n) {
        FakeCheckpoint.of(n).writeTo(dir.resolve("model_" + n + ".onnx"), base.plusSeconds(n));
    }

    private HotModel model(int warmLoads, List<ReloadEvent> events) {
        return HotModel.builder().directory(dir).loader(engine.loader()).executor(held).listener(events::add).warmLoads(warmLoads).build();
    }

    /** Runs queued tasks, and those they queue, until none is left; how many ran. */
    private int drain() {
        int ran = 0;
        while (!queued.isEmpty()) {
            queued.remove(0).run();
            ran++;
        }
        return ran;
    }

    @Test
    void theServingCheckpointLoadsThatManyTimesMoreAndEachCopyIsClosedOnce() {
        publish(1);
        List<ReloadEvent> events = new ArrayList<>();
        try (HotModel model = model(5, events)) {
            ModelVersion serving = model.current().orElseThrow();
            assertThat(engine.models()).as("the first load, the warm loads still queued").hasSize(1);

            assertThat(drain()).isEqualTo(5);

            List<FakeModel> loaded = engine.models();
            assertThat(loaded).hasSize(6);
            assertThat(loaded).allSatisfy(m -> assertThat(m.file()).isEqualTo(serving.path()));
            assertThat(loaded.subList(1, 6)).allSatisfy(m -> assertThat(m.closeCount()).isEqualTo(1));
            assertThat(loaded.get(0).closeCount()).as("what serves stays open").isZero();
            assertThat(model.current().orElseThrow()).isEqualTo(serving);
            assertThat(events).as("no reload event: nothing changed").hasSize(1);
            try (Lease lease = model.acquire()) {
                assertThat(lease.version().generation()).isEqualTo(1);
                assertThat(lease.predict(new float[4])[0]).isEqualTo(1f);
            }
        }
        assertThat(engine.violations()).isEmpty();
        assertThat(engine.open()).isEmpty();
    }

    @Test
    void theyStopOnceAnotherVersionServes() {
        publish(1);
        try (HotModel model = model(10, new ArrayList<>())) {
            queued.remove(0).run(); // one warm load, which queues the next
            publish(2);
            try (Lease lease = model.acquire()) {
                assertThat(lease.version().generation()).isEqualTo(2);
            }
            drain();
            assertThat(engine.models()).extracting(FakeModel::file)
                    .as("the first load, one warm load, the newer checkpoint; nothing after it")
                    .containsExactly(dir.resolve("model_1.onnx"), dir.resolve("model_1.onnx"), dir.resolve("model_2.onnx"));
        }
        assertThat(engine.open()).isEmpty();
        assertThat(engine.violations()).isEmpty();
    }

    @Test
    void offByDefaultAndNothingWhenNothingServes() {
        publish(1);
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).executor(held).build()) {
            assertThat(queued).isEmpty();
        }
        try (HotModel empty = HotModel.builder().directory(dir.resolve("none")).loader(engine.loader()).executor(held).warmLoads(3).build()) {
            assertThat(queued).isEmpty();
            assertThat(empty.current()).isEmpty();
        }
        assertThat(engine.models()).hasSize(1);
    }

    @Test
    void aClosedModelQueuesNoMoreLoads() {
        publish(1);
        HotModel model = model(4, new ArrayList<>());
        model.close();
        drain();
        assertThat(engine.models()).as("only the first load").hasSize(1);
        assertThat(engine.open()).isEmpty();
    }
}
