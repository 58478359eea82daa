package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed's promise: the request after a newer file is complete on disk is answered by it. */
class HotSwapTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    /** Checkpoints get mtimes an hour old, so they are settled at once and ordered exactly. */
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    HotModelBuilder builder() {
        return HotModel.builder().directory(dir).loader(engine.loader()).leakDetectionSampling(1);
    }

    static float answer(HotModel model) {
        try (Lease lease = model.acquire()) {
            return lease.predict(new float[4])[0];
        }
    }

    @Test
    void theRequestAfterANewerFileIsAnsweredByIt() {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base.plusSeconds(1));
        try (HotModel model = builder().build()) {
            assertThat(answer(model)).isEqualTo(1f);
            FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2));
            assertThat(answer(model)).isEqualTo(2f);
            assertThat(model.current()).get().extracting(ModelVersion::generation, ModelVersion::path)
                    .containsExactly(2L, dir.resolve("model_2.onnx"));
            assertThat(engine.models().get(0).closeCount()).as("the retired model is closed").isEqualTo(1);
            assertThat(model.history()).extracting(ModelVersion::generation).containsExactly(2L, 1L);
            assertThat(model.events()).extracting(ReloadEvent::kind).containsExactly(ReloadKind.LOADED, ReloadKind.LOADED);
            assertThat(model.events().get(0)).extracting(ReloadEvent::oldGeneration, ReloadEvent::newGeneration).containsExactly(1L, 2L);
        }
    }

    @Test
    void aFileReplacedUnderTheSameNameIsReloaded() {
        Path p = dir.resolve("model_a.onnx");
        FakeCheckpoint.of(1).writeTo(p, base.plusSeconds(1));
        try (HotModel model = builder().build()) {
            assertThat(answer(model)).isEqualTo(1f);
            FakeCheckpoint.of(3).writeTo(p, base.plusSeconds(2));
            assertThat(answer(model)).isEqualTo(3f);
            assertThat(model.status().generation()).isEqualTo(2);
        }
    }

    @Test
    void theVersionDescribesTheLoadedBytes() throws Exception {
        Path p = dir.resolve("model_1.pt");
        byte[] bytes = FakeCheckpoint.of(1).withPayload(5000).bytes();
        FakeCheckpoint.writeBytes(p, bytes, base);
        try (HotModel model = builder().build(); Lease lease = model.acquire()) {
            ModelVersion v = lease.version();
            assertThat(v.generation()).isEqualTo(1);
            assertThat(v.path()).isEqualTo(p);
            assertThat(v.mtime()).isEqualTo(base);
            assertThat(v.size()).isEqualTo(bytes.length);
            assertThat(v.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
            assertThat(v.engine()).isEqualTo("fake");
            assertThat(v.stateDim()).isEqualTo(4);
            assertThat(v.actionDim()).isEqualTo(1);
            assertThat(v.head()).isEqualTo("identity");
            assertThat(lease.stateDim()).isEqualTo(4);
            assertThat(lease.signature().inputWidth()).isEqualTo(4);
        }
    }

    @Test
    void aForcedReloadReadsTheSameFileAgainAndRaisesTheGeneration() {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        try (HotModel model = builder().build()) {
            ModelVersion v = model.reload();
            assertThat(v.generation()).isEqualTo(2);
            assertThat(v.path()).isEqualTo(dir.resolve("model_1.onnx"));
            assertThat(engine.attempts()).isEqualTo(2);
            assertThat(model.events().get(0).kind()).isEqualTo(ReloadKind.FORCED);
            assertThat(engine.models().get(0).closeCount()).isEqualTo(1);
        }
    }

    @Test
    void theNewestByMtimeWinsAndTiesGoToTheGreatestName() {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_2026-04-01.onnx"), base);
        FakeCheckpoint.of(2).writeTo(dir.resolve("model_2026-04-02.onnx"), base);
        FakeCheckpoint.of(3).writeTo(dir.resolve("model_0.onnx"), base.minusSeconds(5));
        try (HotModel model = builder().build()) {
            assertThat(answer(model)).isEqualTo(2f);
        }
    }

    @Test
    void hiddenTemporaryAndPartialNamesAreNeverCandidates() {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1"), base);
        FakeCheckpoint.of(7).writeTo(dir.resolve(".model_9"), base.plusSeconds(9));
        FakeCheckpoint.of(8).writeTo(dir.resolve("model_9.tmp"), base.plusSeconds(9));
        FakeCheckpoint.of(9).writeTo(dir.resolve("model_9.partial"), base.plusSeconds(9));
        try (HotModel model = builder().glob("*").build()) {
            assertThat(answer(model)).isEqualTo(1f);
        }
    }

    @Test
    void namesOutsideTheGlobAreIgnored() {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        FakeCheckpoint.of(2).writeTo(dir.resolve("notes_2.onnx"), base.plusSeconds(2));
        FakeCheckpoint.of(3).writeTo(dir.resolve("model_3.bin"), base.plusSeconds(3));
        try (HotModel model = builder().build()) {
            assertThat(answer(model)).isEqualTo(1f);
        }
    }

    @Test
    void anExplicitFileIsServedWhateverIsNewerBesideIt() {
        Path chosen = FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2));
        try (HotModel model = HotModel.builder().file(chosen).loader(engine.loader()).build()) {
            assertThat(answer(model)).isEqualTo(1f);
            assertThat(model.status().source()).isEqualTo("file " + chosen);
        }
    }

    @Test
    void withNeitherFileNorDirectoryTheDefaultIsModelsSlashName() {
        try (HotModel model = HotModel.builder().name("policy-under-test").loader(engine.loader()).build()) {
            assertThat(model.status().source())
                    .isEqualTo("directory " + Path.of("models", "policy-under-test").toAbsolutePath() + " (model_*.{onnx,pt})");
            assertThatThrownBy(model::acquire).isInstanceOf(NoModelException.class)
                    .hasMessageContaining("no checkpoint found at directory").hasMessageContaining("policy-under-test");
        }
    }

    @Test
    void aColdStartServesTheFirstFileThatAppears() throws Exception {
        Path sub = dir.resolve("later");
        try (HotModel model = HotModel.builder().directory(sub).loader(engine.loader()).build()) {
            assertThatThrownBy(model::acquire).isInstanceOf(NoModelException.class).hasMessageContaining(sub.toString());
            assertThat(model.status().generation()).isZero();
            Files.createDirectories(sub);
            FakeCheckpoint.of(5).writeTo(sub.resolve("model_1.onnx"), base);
            Files.setLastModifiedTime(sub, FileTime.from(base));
            assertThat(answer(model)).isEqualTo(5f);
            assertThat(model.status().generation()).isEqualTo(1);
        }
    }

    @Test
    void listenersSeeEachEventAfterItIsRecorded() {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        try (HotModel model = builder().build()) {
            java.util.List<Boolean> recordedFirst = new java.util.ArrayList<>();
            model.addListener(e -> recordedFirst.add(model.events().get(0).equals(e)));
            model.addListener(e -> {
                throw new IllegalStateException("a broken listener must not break the reload");
            });
            model.reload();
            assertThat(recordedFirst).containsExactly(true);
            assertThat(model.status().generation()).isEqualTo(2);
        }
    }

    @Test
    void aRequestWaitingForALoadIsAnsweredWhileTheListenersStillRun() throws Exception {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base.plusSeconds(1));
        java.util.concurrent.CountDownLatch loading = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch finishLoad = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch listening = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService requests = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (HotModel model = builder().build()) {
            model.addListener(e -> {
                if (e.newGeneration() == 2) {
                    listening.countDown();
                    await(release);
                }
            });
            engine.duringLoad(file -> {
                if (file.getFileName().toString().equals("model_2.onnx")) {
                    loading.countDown();
                    await(finishLoad);
                }
            });
            FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2));
            Thread loader = new Thread(model::refresh, "test-loader");
            loader.start();
            assertThat(loading.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the load started").isTrue();
            java.util.concurrent.atomic.AtomicReference<Thread> requestThread = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.Future<Float> request = requests.submit(() -> {
                requestThread.set(Thread.currentThread());
                return answer(model);
            });
            // The request found the newer file and waits for the load under way.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> requestThread.get() != null && requestThread.get().getState() == Thread.State.WAITING);
            finishLoad.countDown();
            assertThat(listening.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(request.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("answered while the listener runs").isEqualTo(2f);
            assertThat(loader.isAlive()).as("the loading thread is still in the listener").isTrue();
            release.countDown();
            loader.join(10_000);
            assertThat(loader.isAlive()).isFalse();
            assertThat(engine.models().get(0).closeCount()).as("the replaced model is retired after the listeners").isEqualTo(1);
        } finally {
            release.countDown();
            finishLoad.countDown();
            requests.shutdownNow();
        }
    }

    @Test
    void withFollowUpOnLoaderTheRequestThatLoadsIsAnsweredBeforeTheListenersRun() throws Exception {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base.plusSeconds(1));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.List<String> listenedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.ExecutorService requests = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (HotModel model = builder().followUpOnLoader(true).build()) {
            model.addListener(e -> {
                if (e.newGeneration() == 2) {
                    listenedOn.add(Thread.currentThread().getName());
                    await(release);
                }
            });
            FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2));
            // With the follow-up on the request's own thread this would wait for the release below.
            java.util.concurrent.Future<Float> request = requests.submit(() -> answer(model));
            assertThat(request.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(2f);
            release.countDown();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> engine.models().get(0).closeCount() > 0);
            assertThat(engine.models().get(0).closeCount()).as("the replaced model is retired by the follow-up").isEqualTo(1);
            assertThat(listenedOn).singleElement().asString().startsWith("hotserve-loader-");
            assertThat(model.events()).extracting(ReloadEvent::newGeneration).containsExactly(2L, 1L);
        } finally {
            release.countDown();
            requests.shutdownNow();
        }
        assertThat(engine.models()).allSatisfy(m -> assertThat(m.closeCount()).isEqualTo(1));
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            if (!latch.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the latch");
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void listenersHearEventsInTheOrderTheyWereRecorded() {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        java.util.List<Long> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (HotModel model = builder().listener(e -> heard.add(e.newGeneration())).build()) {
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread th = new Thread(() -> {
                    for (int i = 0; i < 25; i++) {
                        model.reload();
                    }
                });
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                try {
                    th.join(30_000);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                assertThat(th.isAlive()).isFalse();
            }
            assertThat(heard).hasSize(101).isSorted();
            assertThat(heard.get(100)).isEqualTo(101L);
        }
    }

    @Test
    void aListenerGivenToTheBuilderHearsTheFirstLoad() {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        java.util.List<ReloadEvent> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (HotModel model = builder().listener(heard::add).build()) {
            assertThat(heard).extracting(ReloadEvent::kind).containsExactly(ReloadKind.LOADED);
            assertThat(heard.get(0).newGeneration()).isEqualTo(1);
            model.reload();
            assertThat(heard).extracting(ReloadEvent::kind).containsExactly(ReloadKind.LOADED, ReloadKind.FORCED);
        }
    }

    @Test
    void aStochasticPredictionUsesTheGivenNoiseAndABatchGivesOneActionPerRow() {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        try (HotModel model = builder().settleWindow(Duration.ZERO).build(); Lease lease = model.acquire()) {
            float[] batch = lease.predictBatch(new float[] {0, 0, 0, 0, 1000, 0, 0, 0, 0, 0, 0, 2000}, 3, false, new java.util.Random(1));
            assertThat(batch).containsExactly(1f, 2f, 3f);
            assertThat(lease.run(new float[4], 1)[0]).containsExactly(1f);
        }
    }

    @Test
    void theJsonSidecarHeadHintChoosesTheSacHead() throws Exception {
        Path p = new FakeCheckpoint(4, 2, 0.5f, false, 16).writeTo(dir.resolve("model_1.onnx"), base);
        Files.writeString(dir.resolve("model_1.onnx.json"), "{\"head\": \"sac\"}");
        try (HotModel model = builder().build(); Lease lease = model.acquire()) {
            // One output of width 2 packed as [mean | log_std]: the action is tanh(mean).
            assertThat(lease.version().head()).isEqualTo("sac");
            assertThat(lease.actionDim()).isEqualTo(1);
            assertThat(lease.predict(new float[4])).containsExactly((float) Math.tanh(0.5));
            assertThat(lease.version().path()).isEqualTo(p);
        }
    }
}
