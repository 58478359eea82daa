package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.testing.CountingFiles;
import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, "Publishing a checkpoint safely": a directory with thousands of old checkpoints serves as cheaply as one with a single file.
 * Counted through the file-system seam, not timed.
 */
class FreshnessIsConstantTimeTest {

    static final int REQUESTS = 1_000;

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final CountingFiles files = new CountingFiles();
    final Instant base = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    private void requests(HotModel model, int n) {
        for (int i = 0; i < n; i++) {
            try (Lease lease = model.acquire()) {
                lease.predict(new float[4]);
            }
        }
    }

    @ParameterizedTest(name = "{0} files")
    @ValueSource(ints = {1, 1_000})
    void requestsNeitherListTheDirectoryNorStatMoreThanTwoFiles(int fileCount) throws IOException {
        for (int i = 0; i < fileCount; i++) {
            FakeCheckpoint.of(i).withPayload(8).writeTo(dir.resolve(String.format("model_%05d.onnx", i)), base.plusSeconds(i));
        }
        Files.setLastModifiedTime(dir, FileTime.from(base.plusSeconds(fileCount)));
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).fileSystem(files).build()) {
            assertThat(files.listings()).as("the first resolution lists once").isEqualTo(1);
            long stats = files.stats();

            requests(model, REQUESTS);

            assertThat(files.listings()).as("listings after %d requests", REQUESTS).isEqualTo(1);
            assertThat(files.stats() - stats).as("stats: the directory and the newest file, per request").isEqualTo(2L * REQUESTS);
            assertThat(model.current()).get().extracting(ModelVersion::generation).isEqualTo(1L);
        }
    }

    @Test
    void aChangedDirectoryIsListedOnceMore() throws IOException {
        for (int i = 0; i < 100; i++) {
            FakeCheckpoint.of(i).withPayload(8).writeTo(dir.resolve(String.format("model_%05d.onnx", i)), base.plusSeconds(i));
        }
        Files.setLastModifiedTime(dir, FileTime.from(base.plusSeconds(100)));
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).fileSystem(files).build()) {
            requests(model, REQUESTS);
            FakeCheckpoint.of(500).withPayload(8).writeTo(dir.resolve("model_00500.onnx"), base.plusSeconds(500));
            Files.setLastModifiedTime(dir, FileTime.from(base.plusSeconds(501)));

            requests(model, REQUESTS);

            assertThat(files.listings()).isEqualTo(2);
            assertThat(model.current()).get().extracting(ModelVersion::path).isEqualTo(dir.resolve("model_00500.onnx"));
        }
    }

    @Test
    void aListingThatMayHaveRacedTheDirectorysMtimeTickIsConfirmedOnceNotPerRequest() throws IOException {
        for (int i = 0; i < 1_000; i++) {
            FakeCheckpoint.of(i).withPayload(8).writeTo(dir.resolve(String.format("model_%05d.onnx", i)), base.plusSeconds(i));
        }
        Instant dirMtime = base.plusSeconds(2_000);
        Files.setLastModifiedTime(dir, FileTime.from(dirMtime));
        // Inside the window in which a second change could share the directory's mtime tick.
        ManualClock clock = new ManualClock(dirMtime.plusMillis(5));
        try (HotModel model = HotModel.builder().directory(dir).loader(engine.loader()).fileSystem(files).clock(clock)
                .settleWindow(Duration.ofMillis(50)).build()) {
            assertThat(files.listings()).isEqualTo(1);

            // A file renamed in within the same tick: the directory's mtime does not move.
            FakeCheckpoint.of(7_777).withPayload(8).writeTo(dir.resolve("model_99999.onnx"), base.plusSeconds(1_500));
            Files.setLastModifiedTime(dir, FileTime.from(dirMtime));
            requests(model, REQUESTS);
            assertThat(files.listings()).as("no listing per request inside the window").isEqualTo(1);
            assertThat(model.current()).get().extracting(ModelVersion::path).isEqualTo(dir.resolve("model_00999.onnx"));

            clock.advance(Duration.ofMillis(50));
            requests(model, REQUESTS);
            assertThat(files.listings()).as("one confirming listing once the window has passed").isEqualTo(2);
            assertThat(model.current()).get().extracting(ModelVersion::path).isEqualTo(dir.resolve("model_99999.onnx"));
        }
    }

    @Test
    void anExplicitFileCostsOneStatPerRequest() {
        Path p = FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        try (HotModel model = HotModel.builder().file(p).loader(engine.loader()).fileSystem(files).build()) {
            long stats = files.stats();
            requests(model, REQUESTS);
            assertThat(files.stats() - stats).isEqualTo(REQUESTS);
            assertThat(files.listings()).isZero();
        }
    }

    @Test
    void aLeaseWithoutTheCheckCostsNoStatAtAll() {
        Path p = FakeCheckpoint.of(1).writeTo(dir.resolve("model_1.onnx"), base);
        try (HotModel model = HotModel.builder().file(p).loader(engine.loader()).fileSystem(files).checkOnAcquire(false).build()) {
            long stats = files.stats();
            requests(model, REQUESTS);
            assertThat(files.stats() - stats).isZero();
        }
    }
}
