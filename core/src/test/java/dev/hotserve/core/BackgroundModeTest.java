package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.CountingFiles;
import dev.hotserve.core.testing.FakeEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/architecture.md, "The stages of a reload": in background mode no request waits for a load while a model serves; a poller loads with no traffic. */
class BackgroundModeTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    private Path good(int n) {
        return FakeCheckpoint.of(n).writeTo(dir.resolve("model_" + n + ".onnx"), base.plusSeconds(n));
    }

    static float answer(HotModel model) {
        try (Lease lease = model.acquire()) {
            return lease.predict(new float[4])[0];
        }
    }

    /**
     * A background look never waits for a load under way (its loader thread would wake beside the
     * answers that load releases); the holder of the lock has the look made when it lets go, so a
     * checkpoint that arrived during the load is not lost.
     */
    @Test
    void aBackgroundLookDuringALoadIsMadeByTheLoadsHolderInsteadOfWaiting() throws Exception {
        good(1);
        Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        java.util.concurrent.CountDownLatch inLoad = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        engine.duringLoad(p -> {
            if (p.getFileName().toString().equals("model_2.onnx")) {
                inLoad.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).mode(ReloadMode.BACKGROUND)
                .executor(tasks::add).build()) {
            good(2);
            Thread holder = Thread.ofPlatform().start(model::refresh); // holds the lock while model_2 loads
            inLoad.await();
            good(3);
            Files.setLastModifiedTime(dir, FileTime.from(base.plusSeconds(100)));
            assertThat(answer(model)).as("the serving model answers").isEqualTo(1f);
            assertThat(tasks).as("the request queued a look").hasSize(1);

            Thread look = Thread.ofPlatform().start(tasks.poll());
            assertThat(look.join(Duration.ofSeconds(30))).as("the look did not wait for the load under way").isTrue();
            assertThat(tasks).isEmpty();

            release.countDown();
            assertThat(holder.join(Duration.ofSeconds(30))).isTrue();
            assertThat(model.current().orElseThrow().path().getFileName()).hasToString("model_2.onnx");
            assertThat(tasks).as("the holder queued the skipped look when it let go").hasSize(1);

            tasks.poll().run();

            assertThat(answer(model)).isEqualTo(3f);
            assertThat(model.current().orElseThrow().generation()).isEqualTo(3);
        }
    }

    @Test
    void requestsAreAnsweredByTheServingModelWhileOneLoadIsQueued() {
        good(1);
        Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).mode(ReloadMode.BACKGROUND)
                .executor(tasks::add).build()) {
            assertThat(engine.attempts()).as("the first load is done by build()").isEqualTo(1);
            good(2);
            for (int i = 0; i < 100; i++) {
                assertThat(answer(model)).isEqualTo(1f);
            }
            assertThat(tasks).as("one load queued for 100 requests").hasSize(1);
            assertThat(engine.attempts()).isEqualTo(1);

            tasks.poll().run();

            assertThat(engine.attempts()).isEqualTo(2);
            assertThat(answer(model)).isEqualTo(2f);
            assertThat(tasks).isEmpty();
        }
    }

    @Test
    void requestsDoNotListAChangedDirectoryTheBackgroundTaskDoes() throws Exception {
        good(1);
        Files.setLastModifiedTime(dir, FileTime.from(base.plusSeconds(1)));
        CountingFiles files = new CountingFiles();
        Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).mode(ReloadMode.BACKGROUND)
                .fileSystem(files).executor(tasks::add).build()) {
            assertThat(files.listings()).isEqualTo(1);
            good(2);
            Files.setLastModifiedTime(dir, FileTime.from(base.plusSeconds(2)));
            for (int i = 0; i < 100; i++) {
                assertThat(answer(model)).isEqualTo(1f);
            }
            assertThat(files.listings()).as("no request listed the changed directory").isEqualTo(1);
            assertThat(tasks).hasSize(1);

            tasks.poll().run();

            assertThat(files.listings()).isEqualTo(2);
            assertThat(answer(model)).isEqualTo(2f);
        }
    }

    @Test
    void withNothingServingARequestLoadsInlineEvenInBackgroundMode() {
        Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).mode(ReloadMode.BACKGROUND)
                .executor(tasks::add).build()) {
            good(1);
            assertThat(answer(model)).isEqualTo(1f);
            assertThat(tasks).isEmpty();
        }
    }

    @Test
    void aPollerLoadsANewFileWithNoTraffic() {
        good(1);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).scheduler(scheduler)
                .pollInterval(Duration.ofMillis(10)).build()) {
            good(2);
            await().atMost(Duration.ofSeconds(10)).until(() -> model.current().orElseThrow().generation() == 2);
            assertThat(model.events().get(0).kind()).isEqualTo(ReloadKind.LOADED);
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void theDefaultExecutorAndPollerAreOwnedAndStoppedByClose() {
        good(1);
        HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).mode(ReloadMode.BACKGROUND)
                .pollInterval(Duration.ofMillis(10)).build();
        good(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> model.current().orElseThrow().generation() == 2);
        model.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("hotserve-poll-sac") || t.getName().startsWith("hotserve-load-sac")));
        assertThat(engine.open()).isEmpty();
    }
}
