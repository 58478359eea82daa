package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/architecture.md, "The stages of a reload": a deleted checkpoint does not stop service; the loaded model answers until a newer file appears. */
class DeletedAndRecreatedFilesTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    static float answer(HotModel model) {
        try (Lease lease = model.acquire()) {
            return lease.predict(new float[4])[0];
        }
    }

    @Test
    void deletingTheServingFileKeepsItServingWithoutGoingBackToAnOlderOne() throws IOException {
        FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base.plusSeconds(1));
        Path second = FakeCheckpoint.of(2).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2));
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).build()) {
            assertThat(answer(model)).isEqualTo(2f);
            Files.delete(second);
            for (int i = 0; i < 10; i++) {
                assertThat(answer(model)).isEqualTo(2f);
            }
            assertThat(engine.attempts()).as("model_1 is older: not loaded").isEqualTo(1);

            FakeCheckpoint.of(3).writeTo(second, base.plusSeconds(3)); // re-created, newer
            assertThat(answer(model)).isEqualTo(3f);
            assertThat(model.status().generation()).isEqualTo(2);
        }
    }

    @Test
    void deletingTheWholeDirectoryKeepsTheModelServing() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("models"));
        Path p = FakeCheckpoint.of(1).writeTo(sub.resolve("model_1.onnx"), base);
        try (HotModel model = HotModel.builder().directory(sub).loader(engine.loader()).build()) {
            assertThat(answer(model)).isEqualTo(1f);
            Files.delete(p);
            Files.delete(sub);
            assertThat(answer(model)).isEqualTo(1f);
            Files.createDirectory(sub);
            FakeCheckpoint.of(4).writeTo(sub.resolve("model_1.onnx"), base.plusSeconds(4));
            assertThat(answer(model)).isEqualTo(4f);
        }
    }

    @Test
    void anExplicitFileThatIsDeletedKeepsServingAndIsLoadedWhenItComesBack() throws IOException {
        Path p = FakeCheckpoint.of(1).writeTo(dir.resolve("policy.onnx"), base);
        try (HotModel model = HotModel.builder().file(p).loader(engine.loader()).build()) {
            assertThat(answer(model)).isEqualTo(1f);
            Files.delete(p);
            assertThat(answer(model)).isEqualTo(1f);
            FakeCheckpoint.of(2).writeTo(p, base.plusSeconds(10));
            assertThat(answer(model)).isEqualTo(2f);
            assertThat(model.history()).extracting(ModelVersion::generation).containsExactly(2L, 1L);
        }
    }

    @Test
    void aMissingExplicitFileIsNoCheckpointYetNotACrash() {
        Path p = dir.resolve("absent.onnx");
        try (HotModel model = HotModel.builder().file(p).loader(engine.loader()).build()) {
            assertThat(model.current()).isEmpty();
            org.assertj.core.api.Assertions.assertThatThrownBy(model::acquire).isInstanceOf(NoModelException.class)
                    .hasMessageContaining("no checkpoint found at file " + p);
            FakeCheckpoint.of(1).writeTo(p, base);
            assertThat(answer(model)).isEqualTo(1f);
        }
    }
}
