package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.ManualClock;
import dev.hotserve.core.testing.SlowCheckpointWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/architecture.md, "The stages of a reload": a checkpoint written in place (not renamed in) is never served half-written. Two
 * defences, each shown alone: the settle window (with an engine that would happily load a prefix),
 * and the engine's parse check remembered by fingerprint (with a real slow writer).
 */
class HalfWrittenFilesAreNeverServedTest {

    @TempDir
    Path dir;

    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    static ModelVersion served(HotModel model) {
        try (Lease lease = model.acquire()) {
            lease.predict(new float[4]);
            return lease.version();
        }
    }

    @Test
    void theSettleWindowAloneKeepsAFileOfUnknownFormatOutAndNoRequestWaitsForIt() throws IOException {
        FakeEngine lenient = FakeEngine.lenient();
        ManualClock clock = new ManualClock(Instant.now());
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        Path p = dir.resolve("model_2.onnx");
        byte[] full = FakeCheckpoint.of(2).withPayload(4000).bytes();
        int chunks = 5;
        Duration window = Duration.ofMillis(50);
        List<Duration> waits = new ArrayList<>();
        try (HotModel model = HotModel.builder().directory(dir).loader(lenient.loader()).clock(clock).sleeper(waits::add)
                .settleWindow(window).build()) {
            assertThat(served(model).path()).isEqualTo(dir.resolve("model_1.onnx"));
            for (int c = 0; c < chunks; c++) {
                // The trainer writes model_2 in place, a chunk every 10 ms: it never stays still for the window.
                append(p, Arrays.copyOfRange(full, full.length * c / chunks, full.length * (c + 1) / chunks), clock.instant());
                assertThat(served(model).path()).as("after chunk %d the old model answers", c).isEqualTo(dir.resolve("model_1.onnx"));
                clock.advance(Duration.ofMillis(10));
            }
            assertThat(served(model).path()).isEqualTo(dir.resolve("model_1.onnx"));
            clock.advance(window);
            ModelVersion v = served(model);
            assertThat(v.path()).isEqualTo(p);
            assertThat(v.size()).isEqualTo(full.length);
            assertThat(waits).as("no request waited while a model served").isEmpty();
            assertThat(lenient.attempts()).as("model_1, then model_2 once, complete").isEqualTo(2);
            assertThat(model.events()).extracting(ReloadEvent::kind).doesNotContain(ReloadKind.FAILED);
        }
    }

    @Test
    void withoutASettleWindowTheLenientEngineWouldServeAPrefix() throws IOException {
        // The control for the test above: it is the window that keeps the prefix out.
        FakeEngine lenient = FakeEngine.lenient();
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        Path p = dir.resolve("model_2.onnx");
        byte[] full = FakeCheckpoint.of(2).withPayload(4000).bytes();
        append(p, Arrays.copyOf(full, full.length / 2), Instant.now());
        try (HotModel model = HotModel.builder().directory(dir).loader(lenient.loader()).settleWindow(Duration.ZERO).build()) {
            assertThat(served(model).size()).isEqualTo(full.length / 2);
        }
    }

    @Test
    void aSlowInPlaceWriterIsNeverServedHalfWritten() throws Exception {
        FakeEngine strict = FakeEngine.strict();
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        Path p = dir.resolve("model_2.onnx");
        byte[] full = FakeCheckpoint.of(2).withPayload(200_000).bytes();
        int chunks = 20;
        try (HotModel model = HotModel.builder().directory(dir).loader(strict.loader()).build()) {
            CompletableFuture<Path> writing = new SlowCheckpointWriter(p, full, chunks, Duration.ofMillis(5)).start();
            List<ModelVersion> seen = new ArrayList<>();
            while (!writing.isDone()) {
                seen.add(served(model));
            }
            writing.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> served(model).path().equals(p));
            seen.add(served(model));

            assertThat(seen).filteredOn(v -> v.path().equals(p)).extracting(ModelVersion::size).containsOnly((long) full.length);
            assertThat(seen.get(seen.size() - 1).generation()).isEqualTo(2);
            assertThat(strict.attempts() - 1).as("attempts on model_2: at most one per distinct state of the file")
                    .isBetween(1, chunks + 1);
            assertThat(strict.open()).hasSize(1);
        }
    }

    private static void append(Path p, byte[] bytes, Instant mtime) {
        try {
            Files.write(p, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Files.setLastModifiedTime(p, FileTime.from(mtime));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
