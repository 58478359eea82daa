package dev.hotserve.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotModelBuilder;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.NonFiniteOutputException;
import dev.hotserve.core.ReloadEvent;
import dev.hotserve.core.ReloadKind;
import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.core.RolloutStatus;
import dev.hotserve.core.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Rolling out a new policy safely" with real ONNX checkpoints from the fixtures script, a manual clock and shadow
 * comparisons run on the request thread (so each decision happens at a known request). One
 * scenario per test.
 */
class RolloutTest {

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock(Instant.now());
    final Instant old = Instant.now().minus(1, ChronoUnit.HOURS);
    final Random random = new Random(7);

    Path publish(String fixture, int n) throws Exception {
        Path tmp = dir.resolve(".model_" + n + ".onnx.tmp");
        Files.copy(Fixtures.file(fixture), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(tmp, FileTime.from(old.plusSeconds(n)));
        Path target = dir.resolve("model_" + n + ".onnx");
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    HotModelBuilder builder(RolloutPolicy policy) {
        return HotModel.builder().directory(dir).clock(clock).rollout(policy).shadowExecutor(Runnable::run);
    }

    static RolloutPolicy shadow(int samples) {
        return RolloutPolicy.defaults(RolloutPolicy.Mode.SHADOW).withShadowSamples(samples);
    }

    /** A state whose first value is >= 0 unless {@code negativeFirst}. */
    float[] state(boolean negativeFirst) {
        float[] s = new float[28];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) random.nextGaussian();
        }
        s[0] = Math.abs(s[0]) * (negativeFirst ? -1 : 1);
        return s;
    }

    ModelVersion predict(HotModel model, float[] state) {
        try (Lease lease = model.acquire()) {
            lease.predict(state);
            return lease.version();
        }
    }

    static List<ReloadKind> kinds(HotModel model) {
        List<ReloadKind> k = new ArrayList<>(model.events().stream().map(ReloadEvent::kind).toList());
        java.util.Collections.reverse(k); // oldest first
        return k;
    }

    @Test
    void aCheckpointIdenticalToStableIsPromotedAfterTheShadowSamples() throws Exception {
        publish("actor_seed0.onnx", 1);
        try (HotModel model = builder(shadow(50)).build()) {
            assertThat(predict(model, state(false)).name()).isEqualTo("model_1");
            publish("actor_seed0.onnx", 2);
            for (int i = 0; i < 49; i++) {
                assertThat(predict(model, state(i % 2 == 0)).name()).as("stable answers during shadow").isEqualTo("model_1");
            }
            RolloutStatus during = model.status().rollout();
            assertThat(during.phase()).isEqualTo("shadow");
            assertThat(during.comparisons()).isEqualTo(49);
            assertThat(during.driftMax()).isZero();
            predict(model, state(false)); // the 50th comparison decides
            ModelVersion v = predict(model, state(false));
            assertThat(v.name()).isEqualTo("model_2");
            assertThat(v.generation()).isEqualTo(2);
            assertThat(kinds(model)).containsSubsequence(ReloadKind.LOADED, ReloadKind.CANDIDATE, ReloadKind.PROMOTED);
            assertThat(model.status().rollout().phase()).isEqualTo("guard");
        }
    }

    @Test
    void aCheckpointFromAnotherSeedIsRejectedForItsDrift() throws Exception {
        publish("actor_seed0.onnx", 1);
        try (HotModel model = builder(shadow(50)).build()) {
            predict(model, state(false));
            publish("actor_seed1.onnx", 2);
            for (int i = 0; i < 60; i++) {
                assertThat(predict(model, state(false)).name()).isEqualTo("model_1");
            }
            assertThat(kinds(model)).containsSubsequence(ReloadKind.CANDIDATE, ReloadKind.REJECTED);
            ReloadEvent rejected = model.events().get(0);
            assertThat(rejected.kind()).isEqualTo(ReloadKind.REJECTED);
            assertThat(rejected.reason()).contains("model_2").contains("50 comparisons").contains("max_drift 0.1");
            assertThat(model.status().rollout().phase()).isEqualTo("none");
            assertThat(model.status().lastError()).hasValueSatisfying(f -> assertThat(f.reason()).contains("rollout rejected"));
            long candidates = model.events().stream().filter(e -> e.kind() == ReloadKind.CANDIDATE).count();
            predict(model, state(false));
            assertThat(model.events().stream().filter(e -> e.kind() == ReloadKind.CANDIDATE).count())
                    .as("a rejected file is not tried again until it changes").isEqualTo(candidates);
        }
    }

    @Test
    void aCheckpointFineOnZerosButNanOnSomeStatesIsRejectedInShadow() throws Exception {
        publish("actor_seed0.onnx", 1);
        try (HotModel model = builder(shadow(40)).build()) {
            predict(model, state(false));
            publish("actor_seed0_nan_when_negative.onnx", 2);
            for (int i = 0; i < 40; i++) {
                assertThat(predict(model, state(i % 4 == 0)).name()).isEqualTo("model_1");
            }
            ReloadEvent rejected = model.events().get(0);
            assertThat(rejected.kind()).isEqualTo(ReloadKind.REJECTED);
            assertThat(rejected.reason()).contains("10 non-finite outputs");
        }
    }

    @Test
    void withNoShadowTheGuardRollsBackAPromotedVersionThatAnswersNan() throws Exception {
        publish("actor_seed0.onnx", 1);
        RolloutPolicy canary = RolloutPolicy.defaults(RolloutPolicy.Mode.CANARY).withShadowSamples(0).withCanary(0.1, Duration.ofSeconds(60));
        try (HotModel model = builder(canary).build()) {
            predict(model, state(false));
            publish("actor_seed0_nan_when_negative.onnx", 2);
            predict(model, state(false));
            assertThat(model.status().rollout().phase()).isEqualTo("canary");
            assertThat(model.promote().name()).isEqualTo("model_2");
            assertThat(predict(model, state(false)).name()).as("fine on this state").isEqualTo("model_2");
            assertThatThrownBy(() -> predict(model, state(true))).isInstanceOf(NonFiniteOutputException.class)
                    .hasMessageContaining("model_2").hasMessageContaining("rolled back to model_1");
            ModelVersion after = predict(model, state(true));
            assertThat(after.name()).isEqualTo("model_1");
            assertThat(after.generation()).isEqualTo(3);
            assertThat(model.events().get(0).kind()).isEqualTo(ReloadKind.AUTO_ROLLED_BACK);
            assertThat(model.events().get(0).reason()).contains("non-finite");
            clock.advance(Duration.ofHours(1));
            assertThat(predict(model, state(false)).name()).as("the rolled-back file is not taken again").isEqualTo("model_1");
        }
    }

    @Test
    void aCanaryIsStickyPerRoutingKey() throws Exception {
        publish("actor_seed0.onnx", 1);
        RolloutPolicy canary = RolloutPolicy.defaults(RolloutPolicy.Mode.CANARY).withShadowSamples(0).withCanary(0.5, Duration.ofSeconds(60));
        try (HotModel model = builder(canary).build()) {
            predict(model, state(false));
            publish("actor_seed0.onnx", 2);
            predict(model, state(false));
            Set<String> sides = new HashSet<>();
            for (int k = 0; k < 40; k++) {
                String key = "client-" + k;
                String first = null;
                for (int i = 0; i < 5; i++) {
                    try (Lease lease = model.acquire(key)) {
                        lease.predict(state(false));
                        String v = lease.version().name();
                        first = first == null ? v : first;
                        assertThat(v).as("key %s, request %d", key, i).isEqualTo(first);
                    }
                }
                sides.add(first);
            }
            assertThat(sides).as("both versions take keys").containsExactlyInAnyOrder("model_1", "model_2");
        }
    }

    @Test
    void aCanaryWithoutErrorsIsPromotedWhenItsTimeIsUp() throws Exception {
        publish("actor_seed0.onnx", 1);
        RolloutPolicy canary = RolloutPolicy.defaults(RolloutPolicy.Mode.CANARY).withShadowSamples(10).withCanary(0.5, Duration.ofSeconds(60));
        try (HotModel model = builder(canary).build()) {
            predict(model, state(false));
            publish("actor_seed0.onnx", 2);
            for (int i = 0; i < 12; i++) {
                predict(model, state(false));
            }
            assertThat(model.status().rollout().phase()).as("shadow passed").isEqualTo("canary");
            Set<String> answered = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                answered.add(predict(model, state(false)).name());
            }
            assertThat(answered).containsExactlyInAnyOrder("model_1", "model_2");
            clock.advance(Duration.ofSeconds(61));
            assertThat(predict(model, state(false)).name()).isEqualTo("model_2");
            assertThat(model.events().get(0).kind()).isEqualTo(ReloadKind.PROMOTED);
            assertThat(model.events().get(0).reason()).contains("canary: candidate").contains("0 errors");
        }
    }

    @Test
    void aCandidateCanBePromotedByHand() throws Exception {
        publish("actor_seed0.onnx", 1);
        try (HotModel model = builder(shadow(1000)).build()) {
            predict(model, state(false));
            publish("actor_seed1.onnx", 2);
            predict(model, state(false));
            assertThat(model.status().rollout().candidate()).hasValueSatisfying(v -> assertThat(v.name()).isEqualTo("model_2"));
            model.promote();
            assertThat(predict(model, state(false)).name()).isEqualTo("model_2");
            assertThat(model.events().get(0).reason()).contains("promoted by hand");
            assertThat(model.status().rollout().previous()).hasValueSatisfying(v -> assertThat(v.name()).isEqualTo("model_1"));
            clock.advance(Duration.ofSeconds(61));
            predict(model, state(false));
            assertThat(model.status().rollout().phase()).as("the guard ends").isEqualTo("none");
        }
    }

    @Test
    void aCandidateCanBeRejectedByHand() throws Exception {
        publish("actor_seed0.onnx", 1);
        try (HotModel model = builder(shadow(1000)).build()) {
            predict(model, state(false));
            publish("actor_seed1.onnx", 2);
            predict(model, state(false));
            assertThat(model.reject().name()).isEqualTo("model_2");
            assertThat(model.events().get(0).kind()).isEqualTo(ReloadKind.REJECTED);
            assertThat(model.events().get(0).reason()).contains("rejected by hand");
            assertThat(predict(model, state(false)).name()).isEqualTo("model_1");
            assertThatThrownBy(model::reject).hasMessageContaining("no candidate");
        }
    }

    @Test
    void aNewerCheckpointDuringShadowReplacesTheCandidate() throws Exception {
        publish("actor_seed0.onnx", 1);
        try (HotModel model = builder(shadow(1000)).build()) {
            predict(model, state(false));
            publish("actor_seed1.onnx", 2);
            predict(model, state(false));
            publish("actor_seed2.onnx", 3);
            predict(model, state(false));
            assertThat(model.status().rollout().candidate()).hasValueSatisfying(v -> assertThat(v.name()).isEqualTo("model_3"));
            assertThat(model.events().get(1).kind()).isEqualTo(ReloadKind.REJECTED);
            assertThat(model.events().get(1).reason()).contains("replaced by the newer checkpoint model_3");
            assertThat(predict(model, state(false)).name()).isEqualTo("model_1");
        }
    }

    @Test
    void aRestartDuringARolloutComesBackOnStableAndStartsTheRolloutAgain() throws Exception {
        publish("actor_seed0.onnx", 1);
        RolloutPolicy policy = shadow(1000).withStateFile(dir.resolve("state").resolve("sac.stable.json"));
        try (HotModel model = builder(policy).build()) {
            predict(model, state(false));
            publish("actor_seed1.onnx", 2);
            predict(model, state(false));
            assertThat(model.status().rollout().phase()).isEqualTo("shadow");
        }
        try (HotModel model = builder(policy).build()) {
            assertThat(predict(model, state(false)).name()).as("back on stable, not the unproven newest").isEqualTo("model_1");
            assertThat(model.status().rollout().candidate()).hasValueSatisfying(v -> assertThat(v.name()).isEqualTo("model_2"));
            assertThat(kinds(model)).containsSubsequence(ReloadKind.LOADED, ReloadKind.CANDIDATE);
            assertThat(model.events().get(model.events().size() - 1).reason()).contains("restored the stable version");
        }
    }

    @Test
    void underConcurrentLoadEveryPhasePassesWithoutAFailedRequest() throws Exception {
        publish("actor_seed0.onnx", 1);
        RolloutPolicy policy = RolloutPolicy.defaults(RolloutPolicy.Mode.CANARY).withShadowSamples(200).withCanary(0.3, Duration.ofSeconds(60));
        // The runtime's real shadow queue this time: comparisons run off the request threads.
        try (HotModel model = HotModel.builder().directory(dir).clock(clock).rollout(policy).build();
                ExecutorService pool = Executors.newFixedThreadPool(6)) {
            predict(model, state(false));
            AtomicBoolean stop = new AtomicBoolean();
            List<String> failures = new CopyOnWriteArrayList<>();
            Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 6; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    Random r = new Random(client);
                    int i = 0;
                    while (!stop.get()) {
                        float[] s = new float[28];
                        for (int j = 0; j < s.length; j++) {
                            s[j] = (float) r.nextGaussian();
                        }
                        try (Lease lease = model.acquire("key-" + client + "-" + (i++ % 7))) {
                            float[] a = lease.predict(s);
                            if (!Float.isFinite(a[0])) {
                                failures.add("non-finite from " + lease.version().name());
                            }
                            seen.add(lease.version().name() + "@" + lease.version().generation());
                        } catch (RuntimeException e) {
                            failures.add(e.toString());
                        }
                    }
                    return null;
                }));
            }
            publish("actor_seed0.onnx", 2);
            await().atMost(Duration.ofSeconds(60)).until(() -> model.status().rollout().phase().equals("canary"));
            await().atMost(Duration.ofSeconds(10)).until(() -> model.status().rollout().candidateRequests() > 20);
            clock.advance(Duration.ofSeconds(61));
            await().atMost(Duration.ofSeconds(10)).until(() -> model.status().rollout().phase().equals("guard"));
            clock.advance(Duration.ofSeconds(61));
            await().atMost(Duration.ofSeconds(10)).until(() -> model.status().rollout().phase().equals("none"));
            stop.set(true);
            for (Future<?> f : clients) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(failures).isEmpty();
            assertThat(seen).contains("model_1@1", "model_2@2");
            assertThat(kinds(model)).containsSubsequence(ReloadKind.CANDIDATE, ReloadKind.CANDIDATE, ReloadKind.PROMOTED);
        }
    }
}
