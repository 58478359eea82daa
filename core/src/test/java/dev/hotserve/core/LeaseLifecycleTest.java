package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.FakeModel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a lease guarantees, when a retired model is closed, and how a leaked lease is found. */
class LeaseLifecycleTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    private Path good(int n) {
        return FakeCheckpoint.of(n).writeTo(dir.resolve("model_" + n + ".onnx"), base.plusSeconds(n));
    }

    private HotModelBuilder builder() {
        return HotModel.builder().directory(dir).loader(engine.loader());
    }

    @Test
    void aRetiredModelServesItsOpenLeaseAndClosesWhenThatLeaseEnds() {
        good(1);
        try (HotModel model = builder().build()) {
            Lease old = model.acquire();
            good(2);
            try (Lease fresh = model.acquire()) {
                assertThat(fresh.version().generation()).isEqualTo(2);
            }
            FakeModel first = engine.models().get(0);
            assertThat(first.closeCount()).as("leased: not closed").isZero();
            assertThat(old.predict(new float[4])).containsExactly(1f);
            assertThat(model.openModels()).isEqualTo(2);
            old.close();
            assertThat(first.closeCount()).isEqualTo(1);
            old.close();
            assertThat(first.closeCount()).as("close is idempotent").isEqualTo(1);
            assertThat(model.openModels()).isEqualTo(1);
            assertThat(engine.violations()).isEmpty();
        }
    }

    @Test
    void aClosedLeaseRefusesToRun() {
        good(1);
        try (HotModel model = builder().build()) {
            Lease lease = model.acquire();
            lease.close();
            assertThatThrownBy(() -> lease.predict(new float[4])).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
    }

    @Test
    void aWrongWidthNamesBothWidths() {
        good(1);
        try (HotModel model = builder().build(); Lease lease = model.acquire()) {
            assertThatThrownBy(() -> lease.predict(new float[3])).isInstanceOf(dev.hotserve.engine.InvalidInputException.class)
                    .hasMessage("state has 3 values, the model takes 4");
            assertThatThrownBy(() -> lease.predictBatch(new float[7], 2, true, null)).isInstanceOf(dev.hotserve.engine.InvalidInputException.class)
                    .hasMessageContaining("2 rows of 4 values need 8 values, got 7");
        }
    }

    @Test
    void closingTheModelClosesTheServingModelWhenItsLastLeaseEnds() {
        good(1);
        HotModel model = builder().build();
        Lease lease = model.acquire();
        model.close();
        assertThatThrownBy(model::acquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(engine.models().get(0).closeCount()).isZero();
        assertThat(lease.predict(new float[4])).containsExactly(1f);
        lease.close();
        assertThat(engine.models().get(0).closeCount()).isEqualTo(1);
        assertThat(model.openModels()).isZero();
        model.close(); // idempotent
        assertThat(engine.models().get(0).closeCount()).isEqualTo(1);
    }

    @Test
    void aRetiredSnapshotCannotBeRevived() {
        good(1);
        try (HotModel model = builder().build(); Lease lease = model.acquire()) {
            Snapshot s = new Snapshot(lease.version(), dev.hotserve.source.LocalFiles.ref(lease.version().path(), lease.version().mtime(), lease.version().size()), engine.models().get(0),
                    lease.head(), null, () -> {});
            assertThat(s.tryAcquire()).isTrue();
            s.retire();
            assertThat(s.tryAcquire()).as("acquire after retire").isFalse();
            assertThat(s.leases()).isEqualTo(1);
            s.release();
            assertThat(s.leases()).isZero();
            assertThat(s.tryAcquire()).isFalse();
        }
    }

    /** A runtime whose own leak check never runs during a test: the test drives the checks. */
    private static HotserveRuntime manualLeakChecks() {
        return HotserveRuntime.builder().leakCheckInterval(Duration.ofDays(1)).build();
    }

    @Test
    void aLeaseNeverClosedIsReportedWithItsAcquirersStackAndReleased() {
        good(1);
        List<LeakedLease> leaks = new CopyOnWriteArrayList<>();
        try (HotserveRuntime runtime = manualLeakChecks();
                HotModel model = builder().runtime(runtime).leakDetectionSampling(1).leakListener(leaks::add).build()) {
            leakALease(model);
            assertThat(runtime.leaks().watched()).isEqualTo(1);
            // The collector decides when the lease is found unreachable; each check counts what it found.
            int found = await().atMost(Duration.ofSeconds(20)).until(() -> {
                System.gc();
                return runtime.checkForLeakedLeases();
            }, n -> n > 0);
            assertThat(found).isEqualTo(1);
            assertThat(leaks).hasSize(1);
            assertThat(runtime.leaks().watched()).isZero();
            LeakedLease leak = leaks.get(0);
            assertThat(leak.model()).isEqualTo("sac");
            assertThat(leak.version().generation()).isEqualTo(1);
            assertThat(leak.acquiredAt().getStackTrace()).anySatisfy(f -> assertThat(f.getMethodName()).isEqualTo("leakALease"));

            good(2);
            try (Lease lease = model.acquire()) {
                assertThat(lease.version().generation()).isEqualTo(2);
            }
            assertThat(engine.models().get(0).closeCount()).as("the leaked lease no longer holds the retired model").isEqualTo(1);
        }
    }

    @Test
    void aClosedLeaseIsNotReportedAsALeak() {
        good(1);
        List<LeakedLease> leaks = new CopyOnWriteArrayList<>();
        try (HotserveRuntime runtime = manualLeakChecks();
                HotModel model = builder().runtime(runtime).leakDetectionSampling(1).leakListener(leaks::add).build()) {
            for (int i = 0; i < 1_000; i++) {
                model.acquire().close();
            }
            // Counted, not hoped for: every tracked lease was unwatched by its close, so no collection can report one.
            assertThat(runtime.leaks().watched()).isZero();
            System.gc();
            assertThat(runtime.checkForLeakedLeases()).isZero();
            good(2);
            model.acquire().close();
            // The retired model closed exactly once although every lease was tracked.
            assertThat(engine.models().get(0).closeCount()).isEqualTo(1);
            assertThat(leaks).isEmpty();
        }
    }

    private static void leakALease(HotModel model) {
        Lease lease = model.acquire();
        assertThat(lease.version().generation()).isEqualTo(1);
    }
}
