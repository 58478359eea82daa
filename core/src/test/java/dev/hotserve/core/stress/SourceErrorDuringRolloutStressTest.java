package dev.hotserve.core.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.core.RolloutStatus;
import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.FakeModel;
import dev.hotserve.core.testing.ManualClock;
import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.StagedCheckpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request threads write the model state (the source error, set when the source's {@code current()}
 * throws and cleared when it answers again) while the rollout's transitions happen under the reload
 * lock: a transition that tries its compare-and-set once loses it to such a write. Four request
 * threads, each of whose every other {@code current()} throws, flip the source error as fast as they
 * can while a driver runs {@value #ROUNDS} rollouts, one after the other, in four kinds: shadow
 * passed then promoted by hand, shadow passed then dropped from the canary by a newer checkpoint,
 * dropped during the shadow by a newer checkpoint, shadow passed then rejected by hand.
 *
 * <p>Counted, not timed: every shadow decision moves the rollout to its canary (never left in
 * shadow), every dropped or rejected candidate is closed exactly once at the moment it goes (no
 * lease holds it), the request threads' generations never go backwards, and after close every model
 * loaded was closed exactly once.
 */
class SourceErrorDuringRolloutStressTest {

    static final int ROUNDS = 400;
    static final int FLIPPERS = 4;

    @TempDir
    Path dir;

    final Instant base = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

    /**
     * Names the checkpoint the driver published last; on a request thread every other
     * {@code current()} throws, so each of that thread's requests sets or clears the source error.
     */
    static final class FlakySource implements CheckpointSource {
        private final AtomicReference<CheckpointRef> current = new AtomicReference<>();
        private final ThreadLocal<long[]> calls = ThreadLocal.withInitial(() -> new long[1]);

        void publish(Path file, int n, Instant modified, long size) {
            current.set(new CheckpointRef(file.toString(), CheckpointRef.versionNameOf(file.getFileName().toString()), size,
                    "v" + n, modified, Optional.empty()));
        }

        @Override
        public String describe() {
            return "flaky test source";
        }

        @Override
        public Optional<CheckpointRef> current() throws SourceException {
            if (Thread.currentThread() instanceof Flipper && (calls.get()[0]++ & 1) == 1) {
                throw new SourceException("the test source is flaky on request threads");
            }
            return Optional.ofNullable(current.get());
        }

        @Override
        public StagedCheckpoint stage(CheckpointRef ref) {
            return new StagedCheckpoint(ref, Path.of(ref.id()), Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    /** A request thread: leases stable again and again, so each of its requests writes the source error. */
    static final class Flipper extends Thread {
        Flipper(Runnable r, int id) {
            super(r, "flipper-" + id);
        }
    }

    /**
     * Each flip logs a warning with its stack trace; quiet here, so the request threads flip the
     * source error as often as they can. A field: the logging framework holds its loggers weakly.
     */
    private final Logger reloaderLog = Logger.getLogger("dev.hotserve.core.Reloader");

    private Level levelBefore;

    @BeforeEach
    void quietTheFlips() {
        levelBefore = reloaderLog.getLevel();
        reloaderLog.setLevel(Level.OFF);
    }

    @AfterEach
    void restoreTheLog() {
        reloaderLog.setLevel(levelBefore);
    }

    @Test
    void rolloutsAdvanceAndDroppedCandidatesCloseOnceWhileRequestThreadsFlipTheSourceError() throws Exception {
        FakeEngine engine = FakeEngine.strict();
        ManualClock clock = new ManualClock(Instant.now());
        FlakySource source = new FlakySource();
        publish(source, 0);
        HotModel model = HotModel.builder().source(source).loader(engine.loader()).clock(clock).shadowExecutor(Runnable::run)
                .rollout(RolloutPolicy.defaults(RolloutPolicy.Mode.CANARY).withShadowSamples(1).withGuardDuration(Duration.ZERO))
                .build();
        assertThat(model.current()).as("the first checkpoint serves").isPresent();

        Queue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch start = new CountDownLatch(1);
        List<Flipper> flippers = new ArrayList<>();
        long[] requests = new long[FLIPPERS];
        for (int t = 0; t < FLIPPERS; t++) {
            int id = t;
            Flipper f = new Flipper(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long last = 0;
                long n = 0;
                while (running.get()) {
                    try (Lease lease = model.acquireStable()) {
                        long g = lease.version().generation();
                        if (g < last) {
                            failures.add("flipper " + id + " saw generation " + g + " after " + last);
                        }
                        last = g;
                    } catch (RuntimeException e) {
                        failures.add("flipper " + id + ": " + e);
                    }
                    n++;
                }
                requests[id] = n;
            }, t);
            flippers.add(f);
            f.start();
        }

        start.countDown();
        int promoted = 0;
        int rejected = 0;
        int dropped = 0;
        int passedShadow = 0;
        long generation = 1;
        Path previous = null; // the candidate the next load drops, if any
        for (int i = 1; i <= ROUNDS; i++) {
            Path file = publish(source, i);
            model.refresh(); // drops the previous round's candidate, if it is still on trial, and loads this one
            if (previous != null) {
                dropped++;
                expectClosedOnce(engine, previous, "dropped candidate", i, failures);
                previous = null;
            }
            RolloutStatus r = model.status().rollout();
            if (!"shadow".equals(r.phase()) || r.candidate().map(v -> !v.path().equals(file)).orElse(true)) {
                failures.add("round " + i + ": expected " + file.getFileName() + " in shadow, was " + r.phase() + " " + r.candidate());
                continue;
            }
            int kind = i % 4;
            if (kind == 2) {
                previous = file; // dropped during its shadow by the next round's checkpoint
                continue;
            }
            predictOnStable(model); // the one shadow sample: compared and decided on this thread
            r = model.status().rollout();
            if (!"canary".equals(r.phase())) {
                failures.add("round " + i + ": the shadow decision left the rollout in " + r.phase() + " after " + r.comparisons()
                        + " comparisons");
                continue;
            }
            passedShadow++;
            switch (kind) {
                case 0 -> {
                    ModelVersion v = model.promote();
                    generation++;
                    promoted++;
                    if (v.generation() != generation || model.current().orElseThrow().generation() != generation) {
                        failures.add("round " + i + ": promoted " + v + ", serving " + model.current() + ", expected generation " + generation);
                        generation = model.current().orElseThrow().generation();
                    }
                }
                case 1 -> previous = file; // dropped from its canary by the next round's checkpoint
                default -> {
                    model.reject();
                    rejected++;
                    expectClosedOnce(engine, file, "rejected candidate", i, failures);
                }
            }
        }

        running.set(false);
        for (Flipper f : flippers) {
            f.join(Duration.ofMinutes(1));
            assertThat(f.isAlive()).as("%s ended", f.getName()).isFalse();
        }
        model.close();

        long flips = 0;
        for (long n : requests) {
            flips += n;
        }
        System.out.printf("source-error stress: %d rounds, %d passed shadow, %d promoted, %d dropped, %d rejected, %d requests, %d failures%n",
                ROUNDS, passedShadow, promoted, dropped, rejected, flips, failures.size());
        assertThat(failures).isEmpty();
        assertThat(passedShadow).isEqualTo(ROUNDS * 3 / 4);
        assertThat(promoted + rejected + dropped).as("every rollout ended").isEqualTo(ROUNDS);
        assertThat(engine.violations()).as("run after close / close while running / closed twice").isEmpty();
        assertThat(engine.models()).hasSize(ROUNDS + 1);
        assertThat(engine.models()).extracting(FakeModel::closeCount).as("each closed exactly once").containsOnly(1);
    }

    private Path publish(FlakySource source, int n) {
        Path file = dir.resolve(String.format("model_%05d.onnx", n));
        FakeCheckpoint c = FakeCheckpoint.of(1f);
        c.writeTo(file, base.plusSeconds(n));
        source.publish(file, n, base.plusSeconds(n), c.bytes().length);
        return file;
    }

    private static void predictOnStable(HotModel model) {
        try (Lease lease = model.acquireStable()) {
            lease.predict(new float[4]);
        }
    }

    private static void expectClosedOnce(FakeEngine engine, Path file, String what, int round, Queue<String> failures) {
        List<FakeModel> loaded = engine.models().stream().filter(m -> m.file().equals(file)).toList();
        if (loaded.size() != 1 || loaded.get(0).closeCount() != 1) {
            failures.add("round " + round + ": " + what + " " + file.getFileName() + " closed " + loaded.stream().map(FakeModel::closeCount).toList()
                    + " times");
        }
    }
}
