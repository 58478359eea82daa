package dev.hotserve.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.ReloadEvent;
import dev.hotserve.core.ReloadKind;
import dev.hotserve.core.testing.ManualClock;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/architecture.md, "The stages of a reload" with the real ONNX engine: a trainer that writes its checkpoint in place and pauses at
 * every top-level field boundary of the ONNX message (where a prefix is itself valid protobuf) is
 * never served half-written, no request waits for it, and the complete file answers the first
 * request after its last byte. A checkpoint renamed into place answers the very next request.
 */
class InPlaceWriterTest {

    @TempDir
    Path dir;

    static final float[] STATE = new float[28];

    /** The offsets where a top-level field of an ONNX ModelProto ends. */
    static List<Integer> fieldBoundaries(byte[] b) {
        List<Integer> ends = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            long[] tag = new long[1];
            i = varint(b, i, tag);
            switch ((int) (tag[0] & 7)) {
                case 0 -> i = varint(b, i, new long[1]);
                case 2 -> {
                    long[] len = new long[1];
                    i = varint(b, i, len);
                    i += (int) len[0];
                }
                default -> throw new IllegalStateException("unexpected wire type in the fixture");
            }
            ends.add(i);
        }
        return ends;
    }

    static int varint(byte[] b, int i, long[] out) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int c = b[i++] & 0xff;
            v |= (long) (c & 0x7f) << shift;
            if (c < 0x80) {
                out[0] = v;
                return i;
            }
        }
    }

    static ModelVersion served(HotModel model) {
        try (Lease lease = model.acquire()) {
            for (float a : lease.predict(STATE)) {
                assertThat(Float.isFinite(a)).as("a finite action").isTrue();
            }
            return lease.version();
        }
    }

    @Test
    void aWriterPausingAtEveryOnnxFieldBoundaryIsNeverServedHalfWritten() throws Exception {
        Path first = dir.resolve("model_1.onnx");
        Files.copy(Fixtures.file("actor_seed0.onnx"), first);
        Files.setLastModifiedTime(first, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
        byte[] full = Files.readAllBytes(Fixtures.file("actor_seed1.onnx"));
        List<Integer> boundaries = fieldBoundaries(full);
        assertThat(boundaries).as("the fixture has several top-level fields").hasSizeGreaterThan(3);

        // The clock stands still, so no prefix ever "settles": only the format check decides.
        ManualClock clock = new ManualClock(Instant.now().minus(1, ChronoUnit.MINUTES));
        List<Duration> waits = new ArrayList<>();
        Path second = dir.resolve("model_2.onnx");
        try (HotModel model = HotModel.builder().directory(dir).clock(clock).sleeper(waits::add).build()) {
            assertThat(served(model).path()).isEqualTo(first);
            try (OutputStream out = Files.newOutputStream(second)) {
                int written = 0;
                for (int end : boundaries) {
                    out.write(full, written, end - written);
                    out.flush();
                    written = end;
                    if (end < full.length) {
                        assertThat(served(model).path()).as("paused after byte %d of %d", end, full.length).isEqualTo(first);
                    }
                }
            }
            ModelVersion v = served(model);
            assertThat(v.path()).isEqualTo(second);
            assertThat(v.size()).isEqualTo(full.length);
            assertThat(v.generation()).isEqualTo(2);
            assertThat(waits).as("no request waited for the incomplete file").isEmpty();
            assertThat(model.events()).extracting(ReloadEvent::kind).doesNotContain(ReloadKind.FAILED);
        }
    }

    @Test
    void aCheckpointRenamedIntoPlaceAnswersTheNextRequest() throws Exception {
        Path first = dir.resolve("model_1.onnx");
        Files.copy(Fixtures.file("actor_seed0.onnx"), first);
        Files.setLastModifiedTime(first, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
        List<Duration> waits = new ArrayList<>();
        try (HotModel model = HotModel.builder().directory(dir).sleeper(waits::add).build()) {
            assertThat(served(model).path()).isEqualTo(first);
            Path tmp = dir.resolve("model_2.onnx.tmp");
            Files.copy(Fixtures.file("actor_seed1.onnx"), tmp);
            Files.move(tmp, dir.resolve("model_2.onnx"), StandardCopyOption.ATOMIC_MOVE);
            assertThat(served(model).path()).isEqualTo(dir.resolve("model_2.onnx"));
            assertThat(waits).as("no settle wait").isEmpty();
        }
    }
}
