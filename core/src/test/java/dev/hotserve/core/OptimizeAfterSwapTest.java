package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.FakeModel;
import dev.hotserve.engine.LoadOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: a pickup does not wait for the engine's optimiser. A newer checkpoint is swapped in
 * unoptimised and loaded again, optimised, after the swap, under the same generation; what the
 * optimised load replaces is closed exactly once, never under a lease.
 */
class OptimizeAfterSwapTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    /** Holds the delayed optimised loads until the test runs them. */
    final HeldTasks scheduler = new HeldTasks();

    static final class HeldTasks extends ScheduledThreadPoolExecutor {
        final List<Runnable> held = new CopyOnWriteArrayList<>();

        HeldTasks() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            held.add(task);
            return super.schedule(() -> { }, 0, unit);
        }
    }

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    private void publish(int n) {
        FakeCheckpoint.of(n).writeTo(dir.resolve("model_" + n + ".onnx"), base.plusSeconds(n));
    }

    private HotModel model(boolean optimizeAfterSwap) {
        // The optimised load runs where the test calls it: the background executor runs tasks inline.
        return HotModel.builder().directory(dir).loader(engine.loader()).loadOptions(new LoadOptions(true, 1, OptionalInt.empty()))
                .optimizeAfterSwap(optimizeAfterSwap).scheduler(scheduler).executor(Runnable::run).build();
    }

    @Test
    void aNewerCheckpointServesUnoptimisedAtOnceThenOptimisedUnderTheSameGeneration() {
        publish(1);
        try (HotModel model = model(true)) {
            assertThat(model.current().orElseThrow().optimized()).as("the first load is not a pickup: optimised").isTrue();

            publish(2);
            try (Lease lease = model.acquire()) {
                assertThat(lease.version().generation()).isEqualTo(2);
                assertThat(lease.version().optimized()).isFalse();
                assertThat(lease.predict(new float[4])[0]).isEqualTo(2f);
                assertThat(scheduler.held).hasSize(1);

                scheduler.held.get(0).run();

                ModelVersion now = model.current().orElseThrow();
                assertThat(now.generation()).as("the same version, the same generation").isEqualTo(2);
                assertThat(now.optimized()).isTrue();
                assertThat(now.sha256()).isEqualTo(lease.version().sha256());
                FakeModel unoptimised = engine.models().get(1);
                assertThat(unoptimised.closeCount()).as("still leased: not closed").isZero();
                assertThat(lease.predict(new float[4])[0]).as("the lease keeps its model").isEqualTo(2f);
            }
            assertThat(engine.models().get(1).closeCount()).as("closed once its lease ended").isEqualTo(1);
            try (Lease lease = model.acquire()) {
                assertThat(lease.version().optimized()).isTrue();
                assertThat(lease.predict(new float[4])[0]).isEqualTo(2f);
            }
            assertThat(engine.optionsSeen()).extracting(LoadOptions::optimizeLater).containsExactly(false, true, false);
            assertThat(model.events()).as("no reload event for the optimised load").hasSize(2);
        }
        assertThat(engine.models()).hasSize(3).extracting(FakeModel::closeCount).containsOnly(1);
        assertThat(engine.violations()).isEmpty();
    }

    @Test
    void anOptimisedLoadForAVersionNoLongerServingDoesNothing() {
        publish(1);
        try (HotModel model = model(true)) {
            publish(2);
            model.acquire().close();
            publish(3);
            model.acquire().close();
            assertThat(scheduler.held).hasSize(2);
            int loads = engine.attempts();

            scheduler.held.get(0).run(); // version 2's: 3 serves now

            assertThat(engine.attempts()).as("no load for a version that no longer serves").isEqualTo(loads);
            assertThat(model.current().orElseThrow().optimized()).isFalse();

            scheduler.held.get(1).run();

            assertThat(model.current().orElseThrow()).satisfies(v -> {
                assertThat(v.generation()).isEqualTo(3);
                assertThat(v.optimized()).isTrue();
            });
        }
        assertThat(engine.models()).extracting(FakeModel::closeCount).containsOnly(1);
    }

    @Test
    void offByDefaultTheSwapLoadsOptimised() {
        publish(1);
        try (HotModel model = model(false)) {
            publish(2);
            try (Lease lease = model.acquire()) {
                assertThat(lease.version().optimized()).isTrue();
            }
            assertThat(scheduler.held).isEmpty();
            assertThat(engine.optionsSeen()).extracting(LoadOptions::optimizeLater).containsOnly(false);
        }
    }
}
