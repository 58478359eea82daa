package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/architecture.md, "A model's states": generations never go backwards, history and log are bounded, rollback pins, unpin follows again. */
class RollbackAndHistoryTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    static float answer(HotModel model) {
        try (Lease lease = model.acquire()) {
            return lease.predict(new float[4])[0];
        }
    }

    private Path good(int n) {
        return FakeCheckpoint.of(n).writeTo(dir.resolve("model_" + n + ".onnx"), base.plusSeconds(n));
    }

    private HotModel model() {
        return HotModel.builder().directory(dir).loader(engine.loader()).build();
    }

    @Test
    void aRollbackLoadsTheOldFileAsANewGenerationAndPinsIt() {
        good(1);
        try (HotModel model = model()) {
            good(2);
            assertThat(answer(model)).isEqualTo(2f);

            ModelVersion v = model.rollback(1);

            assertThat(v.generation()).isEqualTo(3);
            assertThat(v.path()).isEqualTo(dir.resolve("model_1.onnx"));
            assertThat(model.status().pinned()).isTrue();
            assertThat(model.events()).extracting(ReloadEvent::kind).startsWith(ReloadKind.PINNED, ReloadKind.ROLLED_BACK);
            assertThat(answer(model)).isEqualTo(1f);

            good(3);
            assertThat(answer(model)).as("pinned: newer files are not followed").isEqualTo(1f);

            ModelStatus st = model.unpin();
            assertThat(st.pinned()).isFalse();
            assertThat(st.generation()).isEqualTo(4);
            assertThat(answer(model)).isEqualTo(3f);
            assertThat(model.events()).extracting(ReloadEvent::kind).startsWith(ReloadKind.LOADED, ReloadKind.UNPINNED);
            assertThat(model.history()).extracting(ModelVersion::generation).containsExactly(4L, 3L, 2L, 1L);
        }
    }

    @Test
    void unpinFollowsTheNewestFileEvenWhenItIsOlderThanThePinnedOne() {
        good(1);
        try (HotModel model = model()) {
            good(2);
            answer(model);
            model.rollback(1);
            model.unpin();
            assertThat(answer(model)).isEqualTo(2f);
            assertThat(model.status().generation()).isEqualTo(4);
        }
    }

    @Test
    void aRollbackToAnUnknownGenerationIsRefusedListingTheKnownOnes() {
        good(1);
        try (HotModel model = model()) {
            assertThatThrownBy(() -> model.rollback(7)).isInstanceOf(UnknownGenerationException.class)
                    .hasMessageContaining("no generation 7").hasMessageContaining("[1]");
        }
    }

    @Test
    void aRollbackToADeletedFileFailsAndTheCurrentModelServes() throws IOException {
        Path first = good(1);
        try (HotModel model = model()) {
            good(2);
            answer(model);
            Files.delete(first);
            assertThatThrownBy(() -> model.rollback(1)).isInstanceOf(ReloadFailedException.class)
                    .hasMessageContaining("no longer on disk").hasMessageContaining("model_1.onnx");
            assertThat(answer(model)).isEqualTo(2f);
            assertThat(model.status().pinned()).isFalse();
            assertThat(model.status().generation()).isEqualTo(2);
        }
    }

    @Test
    void aRollbackToAFileWhoseBytesChangedIsRefused() {
        good(1);
        try (HotModel model = model()) {
            good(2);
            answer(model);
            FakeCheckpoint.of(9).writeTo(dir.resolve("model_1.onnx"), base.plusSeconds(1));
            assertThatThrownBy(() -> model.rollback(1)).isInstanceOf(ReloadFailedException.class)
                    .hasMessageContaining("changed since it was loaded");
            assertThat(answer(model)).isEqualTo(2f);
        }
    }

    @Test
    void historyAndEventLogAreBoundedNewestFirst() {
        good(1);
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).historySize(3).eventLogSize(4).build()) {
            for (int n = 2; n <= 6; n++) {
                good(n);
                answer(model);
            }
            assertThat(model.history()).extracting(ModelVersion::generation).containsExactly(6L, 5L, 4L);
            assertThat(model.events()).hasSize(4).extracting(ReloadEvent::newGeneration).containsExactly(6L, 5L, 4L, 3L);
            assertThat(engine.open()).as("only the serving model is open").hasSize(1);
        }
    }

    @Test
    void everyKindOfSuccessfulLoadRaisesTheGenerationByOne() {
        good(1);
        try (HotModel model = model()) {
            long[] gens = new long[4];
            gens[0] = model.status().generation();
            good(2);
            answer(model);
            gens[1] = model.status().generation();
            gens[2] = model.reload().generation();
            gens[3] = model.rollback(1).generation();
            assertThat(gens).containsExactly(1, 2, 3, 4);
        }
    }
}
