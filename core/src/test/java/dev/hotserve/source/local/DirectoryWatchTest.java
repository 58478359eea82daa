package dev.hotserve.source.local;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotserveRuntime;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ReloadMode;
import dev.hotserve.core.SharedRuntimeTest;
import dev.hotserve.source.CheckpointFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.testing.CountingFiles;
import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 8: a checkpoint renamed into a watched directory starts loading before any request or poll asks. */
class DirectoryWatchTest {

    @TempDir
    Path root;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    /** Publishes checkpoint {@code n} the way a trainer should: written hidden, then renamed in. */
    private void publish(Path dir, int n) throws Exception {
        Path tmp = FakeCheckpoint.of(n).writeTo(dir.resolve(".model_" + n + ".onnx.tmp"), base.plusSeconds(n));
        Files.move(tmp, dir.resolve("model_" + n + ".onnx"), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aRenamedCheckpointLoadsWithNoRequestAndNoPoller() throws Exception {
        Path dir = Files.createDirectories(root.resolve("m"));
        publish(dir, 1);
        // Background mode and no poll interval: nothing but the watch can start this load.
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).mode(ReloadMode.BACKGROUND).watch(true).build()) {
            assertThat(model.current().orElseThrow().generation()).isEqualTo(1);

            publish(dir, 2);

            await().atMost(Duration.ofSeconds(10)).until(() -> model.current().orElseThrow().generation() == 2);
            assertThat(model.current().orElseThrow().path().getFileName()).hasToString("model_2.onnx");
            assertThat(engine.attempts()).as("one load per published file").isEqualTo(2);
        }
    }

    @Test
    void aWatchedFileWakesItsModelWhenWrittenAgain() throws Exception {
        Path dir = Files.createDirectories(root.resolve("f"));
        Path file = FakeCheckpoint.of(1).writeTo(dir.resolve("policy.onnx"), base);
        try (HotModel model = HotModel.builder().file(file).loader(engine.loader()).mode(ReloadMode.BACKGROUND).watch(true).build()) {
            Path tmp = FakeCheckpoint.of(7).writeTo(dir.resolve(".policy.onnx.tmp"), base.plusSeconds(5));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            await().atMost(Duration.ofSeconds(10)).until(() -> model.current().orElseThrow().generation() == 2);
        }
    }

    @Test
    void namesThatCanNeverBeCurrentWakeNobody() throws Exception {
        Path dir = Files.createDirectories(root.resolve("n"));
        try (DirectoryWatch watch = new DirectoryWatch()) {
            List<Path> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
            AtomicInteger woken = new AtomicInteger();
            AtomicInteger sentinel = new AtomicInteger();
            Resolver resolver = Resolver.ofDirectory(dir, "model_*.onnx", CheckpointFiles.system(), java.time.InstantSource.system(),
                    Duration.ofMillis(50));
            resolver.watch(watch, woken::incrementAndGet);
            // A second registration on the same directory shares its event queue: once it has seen
            // the sentinel, every earlier event of the directory has been dispatched.
            watch.register(dir, name -> asked.add(name) && name.toString().equals("sentinel"), sentinel::incrementAndGet);

            Files.writeString(dir.resolve(".model_9.onnx.tmp"), "partial");
            Files.writeString(dir.resolve("model_9.onnx.partial"), "partial");
            Files.writeString(dir.resolve("notes.txt"), "not a checkpoint");
            Files.writeString(dir.resolve("sentinel"), "");

            await().atMost(Duration.ofSeconds(10)).until(() -> sentinel.get() > 0);
            assertThat(asked).extracting(Path::toString).contains(".model_9.onnx.tmp", "model_9.onnx.partial", "notes.txt");
            assertThat(woken.get()).as("no candidate name was written").isZero();

            Files.writeString(dir.resolve("model_9.onnx"), "a candidate");
            await().atMost(Duration.ofSeconds(10)).until(() -> woken.get() > 0);
        }
    }

    @Test
    void theWatchTellsWhichCandidatesChanged() throws Exception {
        Path dir = Files.createDirectories(root.resolve("w"));
        try (DirectoryWatch watch = new DirectoryWatch()) {
            List<Path> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            watch.register(dir, name -> name.toString().startsWith("model_"), (List<Path> names) -> told.addAll(names));

            publish(dir, 3);

            await().atMost(Duration.ofSeconds(10)).until(() -> told.contains(Path.of("model_3.onnx")));
            assertThat(told).as("relative names, the hidden temporary file left out").allMatch(p -> p.equals(Path.of("model_3.onnx")));
        }
    }

    /**
     * Issue 8: the request after a rename need not list the directory (a stat per file): the
     * watch's event names the file, and a stat of it and of the newest moves the listing on.
     */
    @Test
    void aRenameTheWatchReportsIsLoadedWithoutListingTheDirectory() throws Exception {
        Path dir = Files.createDirectories(root.resolve("b"));
        for (int i = 1; i <= 20; i++) {
            FakeCheckpoint.of(i).writeTo(dir.resolve("model_" + i + ".onnx"), base.plusSeconds(i));
        }
        Files.setLastModifiedTime(dir, java.nio.file.attribute.FileTime.from(base.plusSeconds(30)));
        CountingFiles files = new CountingFiles();
        // The clock stands still just before the rename: the new listing is inside its mtime slack.
        ManualClock clock = new ManualClock(Instant.now());
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).fileSystem(files).clock(clock)
                .mode(ReloadMode.BLOCKING).watch(true).build()) {
            assertThat(model.current().orElseThrow().path().getFileName()).hasToString("model_20.onnx");
            assertThat(files.listings()).isEqualTo(1);

            publish(dir, 21);

            await().atMost(Duration.ofSeconds(10)).until(() -> model.current().orElseThrow().generation() == 2);
            assertThat(model.current().orElseThrow().path().getFileName()).hasToString("model_21.onnx");
            try (Lease lease = model.acquire()) {
                assertThat(lease.version().path().getFileName()).hasToString("model_21.onnx");
            }
            assertThat(files.listings()).as("the watch's event was enough: no listing").isEqualTo(1);

            // Once the slack has passed, one full listing confirms what the event said.
            clock.advance(Duration.ofSeconds(10));
            for (int i = 0; i < 10; i++) {
                try (Lease lease = model.acquire()) {
                    assertThat(lease.version().generation()).isEqualTo(2);
                }
            }
            assertThat(files.listings()).as("one confirming listing, not one per request").isEqualTo(2);
        }
    }

    /**
     * The price of moving the listing on from events: a file whose event has not arrived when the
     * directory is stat'ed is found by the confirming listing, at most the mtime slack late.
     */
    @Test
    void aFileTheEventsDidNotNameIsFoundByTheConfirmingListing() throws Exception {
        Path dir = Files.createDirectories(root.resolve("r"));
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base.plusSeconds(1));
        Files.setLastModifiedTime(dir, java.nio.file.attribute.FileTime.from(base.plusSeconds(2)));
        CountingFiles files = new CountingFiles();
        ManualClock clock = new ManualClock(base.plusSeconds(100));
        Resolver resolver = Resolver.ofDirectory(dir, "model_*.onnx", files, clock, Duration.ofMillis(50));
        assertThat(resolver.current().path().getFileName()).hasToString("model_1.onnx");

        FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(10));
        FakeCheckpoint.of(3).writeTo(dir.resolve("model_3.onnx"), base.plusSeconds(20)); // its event still on its way
        Files.setLastModifiedTime(dir, java.nio.file.attribute.FileTime.from(base.plusSeconds(100)));
        resolver.noticed(List.of(Path.of("model_2.onnx")));

        assertThat(resolver.current().path().getFileName()).hasToString("model_2.onnx");
        assertThat(files.listings()).isEqualTo(1);

        clock.advance(Duration.ofMillis(50));
        assertThat(resolver.current().path().getFileName()).hasToString("model_3.onnx");
        assertThat(files.listings()).isEqualTo(2);
    }

    @Test
    void lostEventsOrAVanishedNewestLeaveTheListingToTheNextResolution() throws Exception {
        Path dir = Files.createDirectories(root.resolve("v"));
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base.plusSeconds(1));
        FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2));
        Files.setLastModifiedTime(dir, java.nio.file.attribute.FileTime.from(base.plusSeconds(3)));
        CountingFiles files = new CountingFiles();
        ManualClock clock = new ManualClock(base.plusSeconds(100));
        Resolver resolver = Resolver.ofDirectory(dir, "model_*.onnx", files, clock, Duration.ofMillis(50));
        assertThat(resolver.current().path().getFileName()).hasToString("model_2.onnx");

        // Events lost (an overflow): nothing is known, the next resolution lists.
        FakeCheckpoint.of(3).writeTo(dir.resolve("model_3.onnx"), base.plusSeconds(5));
        Files.setLastModifiedTime(dir, java.nio.file.attribute.FileTime.from(base.plusSeconds(10)));
        resolver.noticed(List.of());
        assertThat(resolver.current().path().getFileName()).hasToString("model_3.onnx");
        assertThat(files.listings()).isEqualTo(2);

        // The newest deleted (deletions send no event): the event of an older file cannot say what is newest now.
        Files.delete(dir.resolve("model_3.onnx"));
        FakeCheckpoint.of(4).writeTo(dir.resolve("model_0.onnx"), base.plusSeconds(0));
        Files.setLastModifiedTime(dir, java.nio.file.attribute.FileTime.from(base.plusSeconds(20)));
        resolver.noticed(List.of(Path.of("model_0.onnx")));
        assertThat(resolver.current().path().getFileName()).hasToString("model_2.onnx");
        assertThat(files.listings()).isEqualTo(3);
    }

    @Test
    void fiftyWatchedModelsShareOneWatchThreadAndCloseLeavesNone() throws Exception {
        Set<Thread> before = SharedRuntimeTest.threadsNow();
        HotserveRuntime runtime = HotserveRuntime.create();
        List<HotModel> models = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Path dir = Files.createDirectories(root.resolve("m" + i));
                publish(dir, 1);
                models.add(HotModel.builder().name("m" + i).directory(dir).runtime(runtime).loader(engine.loader())
                        .mode(ReloadMode.BACKGROUND).watch(true).build());
            }
            publish(root.resolve("m49"), 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> models.get(49).current().orElseThrow().generation() == 2);

            List<String> watchThreads = SharedRuntimeTest.ourThreads(before).stream().filter(n -> n.startsWith("hotserve-watch-")).toList();
            System.out.println("watch threads of ours with 50 watched models: " + watchThreads);
            assertThat(watchThreads).containsExactly("hotserve-watch-1");
            assertThat(models.get(0).current().orElseThrow().generation()).as("only the changed directory's model loaded").isEqualTo(1);
        } finally {
            models.forEach(HotModel::close);
            runtime.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> SharedRuntimeTest.ourThreads(before).isEmpty());
    }
}
