package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.FakeModel;
import dev.hotserve.core.testing.ManualClock;
import dev.hotserve.engine.Tensor;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shadow comparisons of a rollout run in batches (README, "Rolling out a new policy safely", {@link ShadowQueue}): a fake engine
 * that records the rows of each call, and an executor that holds the shadow's work until the test
 * runs it, so what is batched with what is decided by the test. One scenario per test.
 *
 * <p>The fake's action is {@code bias + gain * sum(state) / 1000}: a candidate of gain 2 beside a
 * stable of gain 1 drifts by {@code sum(state) / 1000}, a different amount for each state.
 */
class ShadowBatchingTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final ManualClock clock = new ManualClock(Instant.now());
    final Instant old = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    final HeldExecutor shadow = new HeldExecutor();
    HotserveRuntime runtime;

    /** Holds what it is given until {@link #runAll}. */
    static final class HeldExecutor implements Executor {
        private final Queue<Runnable> held = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable r) {
            held.add(r);
        }

        /** Runs what is held, and what that hands in, until nothing is left; returns how many ran. */
        int runAll() {
            int n = 0;
            for (Runnable r; (r = next()) != null; n++) {
                r.run();
            }
            return n;
        }

        private synchronized Runnable next() {
            return held.poll();
        }
    }

    @AfterEach
    void closeRuntime() {
        if (runtime != null) {
            runtime.close();
        }
    }

    void publish(FakeCheckpoint c, int n) {
        c.writeTo(dir.resolve("model_" + n + ".onnx"), old.plusSeconds(n));
    }

    HotModel model(int shadowSamples, int queue) {
        runtime = HotserveRuntime.builder().shadowQueue(queue).build();
        publish(FakeCheckpoint.of(1f), 1);
        HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).clock(clock).runtime(runtime)
                .rollout(RolloutPolicy.defaults(RolloutPolicy.Mode.SHADOW).withShadowSamples(shadowSamples)).shadowExecutor(shadow)
                .build();
        predict(model, 0); // stable serves before any rollout
        return model;
    }

    /** A deterministic prediction on the state {@code [first, 0, 0, 0]}; the value answered. */
    static float predict(HotModel model, float first) {
        try (Lease lease = model.acquire()) {
            return lease.predict(new float[] {first, 0, 0, 0})[0];
        }
    }

    FakeModel loaded(int i) {
        return engine.models().get(i);
    }

    /** The rows of each call on the {@code i}th model loaded, after the load's own check run. */
    List<Integer> calls(int i) {
        List<Integer> all = loaded(i).calls();
        return all.subList(1, all.size());
    }

    @Test
    void samplesOfTwoRequestsShareOneCandidateCallAndEachGetsItsOwnDrift() {
        HotModel model = model(1000, 256);
        publish(FakeCheckpoint.of(1f).withGain(2f), 2);
        predict(model, 0); // notices model_2, which loads as the candidate; this answer is sampled too (drift 0)
        predict(model, 100); // drift 0.1
        predict(model, 300); // drift 0.3
        assertThat(calls(1)).as("nothing runs on the candidate before the shadow thread does").isEmpty();

        assertThat(shadow.runAll()).isEqualTo(1);

        assertThat(calls(1)).as("one candidate call for the three sampled requests").containsExactly(3);
        assertThat(calls(0)).as("stable runs only the served requests: their answers were deterministic").hasSize(4);
        RolloutStatus r = model.status().rollout();
        assertThat(r.comparisons()).isEqualTo(3);
        assertThat(r.driftP50()).isCloseTo(0.1, within(1e-6));
        assertThat(r.driftMax()).isCloseTo(0.3, within(1e-6));
        assertThat(r.skipped()).isZero();
    }

    @Test
    void aSampleWhoseAnswerWasStochasticIsComparedWithStablesDeterministicAnswer() {
        HotModel model = model(1000, 256);
        publish(FakeCheckpoint.of(1f).withGain(2f), 2);
        predict(model, 0); // loads the candidate; deterministic, so stable's answer is known
        try (Lease lease = model.acquire()) {
            lease.predict(new float[] {200, 0, 0, 0}, false, new SplittableRandom(1));
        }
        assertThat(calls(0)).containsExactly(1, 1, 1);

        shadow.runAll();

        assertThat(calls(1)).as("both samples in one candidate call").containsExactly(2);
        assertThat(calls(0)).as("stable runs again, deterministically, for the stochastic sample only")
                .containsExactly(1, 1, 1, 1);
        RolloutStatus r = model.status().rollout();
        assertThat(r.comparisons()).isEqualTo(2);
        assertThat(r.driftMax()).isCloseTo(0.2, within(1e-6));
    }

    @Test
    void aFullQueueSkipsTheSampleAndTheResponseIsUnaffected() {
        HotModel model = model(1000, 2);
        publish(FakeCheckpoint.of(1f), 2);
        predict(model, 0); // loads the candidate: sample 1
        predict(model, 10); // sample 2: the queue is full now
        float answered = predict(model, 500);

        assertThat(answered).as("stable's own answer, as without a rollout").isCloseTo(1.5f, within(1e-6f));
        assertThat(model.status().rollout().skipped()).isEqualTo(1);
        assertThat(model.status().rollout().stableRequests()).isEqualTo(3);
        shadow.runAll();
        assertThat(model.status().rollout().comparisons()).isEqualTo(2);
        assertThat(calls(1)).containsExactly(2);
    }

    @Test
    void samplesOfACandidateReplacedWhileTheyWaitAreDropped() {
        HotModel model = model(1000, 256);
        publish(FakeCheckpoint.of(1f).withGain(2f), 2);
        predict(model, 0); // candidate model_2, sampled
        predict(model, 100); // sampled for model_2
        publish(FakeCheckpoint.of(1f).withGain(3f), 3);
        predict(model, 100); // model_3 replaces model_2; this sample is model_3's

        shadow.runAll();

        assertThat(model.status().rollout().candidate()).hasValueSatisfying(v -> assertThat(v.name()).isEqualTo("model_3"));
        assertThat(calls(1)).as("model_2 never ran: its samples were dropped").isEmpty();
        assertThat(loaded(1).closeCount()).isEqualTo(1);
        assertThat(calls(2)).containsExactly(1);
        RolloutStatus r = model.status().rollout();
        assertThat(r.comparisons()).isEqualTo(1);
        assertThat(r.driftMax()).isCloseTo(0.2, within(1e-6));
    }

    @Test
    void theDecisionIsMadeOnExactlyTheShadowSamples() {
        HotModel model = model(3, 256);
        publish(FakeCheckpoint.of(1f), 2);
        for (int i = 0; i < 5; i++) {
            predict(model, i);
        }

        shadow.runAll();

        assertThat(calls(1)).as("three samples were enough, and were all that was taken").containsExactly(3);
        ReloadEvent promoted = model.events().get(0);
        assertThat(promoted.kind()).isEqualTo(ReloadKind.PROMOTED);
        assertThat(promoted.reason()).contains("3 comparisons");
        assertThat(model.current()).hasValueSatisfying(v -> assertThat(v.name()).isEqualTo("model_2"));
    }

    @Test
    void rawOutputsOfRowsAreCountedAndShadowedLikeActions() {
        HotModel model = model(1000, 256);
        publish(FakeCheckpoint.of(1f).withGain(2f), 2);
        predict(model, 0); // loads the candidate
        try (Lease lease = model.acquire()) {
            lease.run(new float[] {400, 0, 0, 0}, 1);
        }
        try (Lease lease = model.acquire()) {
            lease.run(List.of(Tensor.rows("state", new float[] {600, 0, 0, 0}, 1, 4)));
        }

        shadow.runAll();

        RolloutStatus r = model.status().rollout();
        assertThat(r.stableRequests()).isEqualTo(3);
        assertThat(r.comparisons()).isEqualTo(3);
        assertThat(r.driftMax()).isCloseTo(0.6, within(1e-6));
        assertThat(calls(1)).containsExactly(3);
        assertThat(calls(0)).as("stable's raw outputs give its deterministic actions: no rerun").hasSize(4);
    }
}
