package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.ManualClock;
import dev.hotserve.source.CheckpointFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clock against the files: a checkpoint dated in the future is served if it is the newest,
 * with an event saying what it hides; a wall clock that steps backwards stops nothing.
 */
class ClockTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    final ManualClock clock = new ManualClock(now);

    /** Fake checkpoints are whole when written (as a renamed-in ONNX file is): no settle wait, whatever their mtime. */
    static final CheckpointFormat WHOLE = (file, size) -> {
        try (var in = file.open()) {
            byte[] head = in.readNBytes(FakeCheckpoint.MAGIC.length());
            return new String(head, java.nio.charset.StandardCharsets.US_ASCII).equals(FakeCheckpoint.MAGIC)
                    ? new CheckpointFormat.Complete("fake") : new CheckpointFormat.NotThisFormat();
        }
    };

    HotModel model() {
        return HotModel.builder().directory(dir).loader(engine.loader()).clock(clock).format(WHOLE).build();
    }

    static float answer(HotModel model) {
        try (Lease lease = model.acquire()) {
            return lease.predict(new float[4])[0];
        }
    }

    @Test
    void aCheckpointDatedInTheFutureServesAndAnEventSaysWhatItHides() throws IOException {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_a.onnx"), now.minusSeconds(60));
        FakeCheckpoint.of(2).writeTo(dir.resolve("model_b.onnx"), now.plus(Duration.ofDays(3650)));
        try (HotModel model = model()) {
            assertThat(answer(model)).as("the newest by mtime serves").isEqualTo(2f);
            ReloadEvent future = model.events().stream().filter(e -> e.kind() == ReloadKind.FUTURE_MTIME).findFirst().orElseThrow();
            assertThat(future.reason()).contains("model_b").contains("in the future").contains("no checkpoint written later is newer");
            assertThat(future.newGeneration()).isEqualTo(1);

            // Written now, after it: hidden until the clock passes model_b's mtime, as the event said.
            FakeCheckpoint.of(3).writeTo(dir.resolve("model_c.onnx"), now.plusSeconds(1));
            clock.advance(Duration.ofSeconds(2));
            assertThat(answer(model)).isEqualTo(2f);
            assertThat(model.events()).filteredOn(e -> e.kind() == ReloadKind.FUTURE_MTIME).hasSize(1);
        }
    }

    @Test
    void aCheckpointDatedWithinTheSlackIsNotReported() throws IOException {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_a.onnx"), now.plus(Swap.FUTURE_MTIME_SLACK).minusSeconds(1));
        try (HotModel model = model()) {
            assertThat(answer(model)).isEqualTo(1f);
            assertThat(model.events()).noneMatch(e -> e.kind() == ReloadKind.FUTURE_MTIME);
        }
    }

    @Test
    void aWallClockSteppingBackwardsStopsNothing() throws IOException {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), now.minusSeconds(30));
        try (HotModel model = model()) {
            assertThat(answer(model)).isEqualTo(1f);
            clock.set(now.minus(Duration.ofHours(2))); // NTP steps the clock back two hours
            FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), now.minusSeconds(20));
            assertThat(answer(model)).as("a newer checkpoint still loads").isEqualTo(2f);
            FakeCheckpoint.of(3).writeTo(dir.resolve("model_3.onnx"), now.minusSeconds(10));
            assertThat(answer(model)).isEqualTo(3f);
            assertThat(model.history()).extracting(ModelVersion::generation).containsExactly(3L, 2L, 1L);
            assertThat(model.events()).noneMatch(e -> e.kind() == ReloadKind.FAILED);
        }
    }
}
