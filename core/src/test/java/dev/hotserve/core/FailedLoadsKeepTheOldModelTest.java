package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.core.testing.FakeModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/architecture.md, "The stages of a reload": a file that fails to load never replaces a working model, the failure is recorded and
 * named, and the same bad file is attempted once, not once per request.
 */
class FailedLoadsKeepTheOldModelTest {

    @TempDir
    Path dir;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    HotModelBuilder builder() {
        return HotModel.builder().directory(dir).loader(engine.loader());
    }

    static float answer(HotModel model) {
        try (Lease lease = model.acquire()) {
            return lease.predict(new float[4])[0];
        }
    }

    private Path good(int n) {
        return FakeCheckpoint.of(n).writeTo(dir.resolve("model_" + n + ".onnx"), base.plusSeconds(n));
    }

    private Path bytes(int n, byte[] content) {
        return FakeCheckpoint.writeBytes(dir.resolve("model_" + n + ".onnx"), content, base.plusSeconds(n));
    }

    /** Serves model_1, then offers model_2 and returns the recorded reason it was refused. */
    private String refusedReason(HotModelBuilder b, Runnable writeSecond) {
        good(1);
        try (HotModel model = b.build()) {
            assertThat(answer(model)).isEqualTo(1f);
            writeSecond.run();
            assertThat(answer(model)).as("the old model keeps serving").isEqualTo(1f);
            ModelStatus st = model.status();
            assertThat(st.generation()).isEqualTo(1);
            assertThat(st.lastError()).get().extracting(LoadFailure::path).isEqualTo(dir.resolve("model_2.onnx"));
            ReloadEvent failed = model.events().get(0);
            assertThat(failed.kind()).isEqualTo(ReloadKind.FAILED);
            assertThat(failed.oldGeneration()).isEqualTo(1);
            assertThat(failed.newGeneration()).isEqualTo(1);
            assertThat(failed.error()).isEqualTo(st.lastError().get().reason());
            return failed.error();
        }
    }

    @Test
    void aCorruptNewestFileIsAttemptedOnceAcrossAThousandRequests() {
        good(1);
        try (HotModel model = builder().build()) {
            bytes(2, "this is not a model".getBytes());
            for (int i = 0; i < 1_000; i++) {
                assertThat(answer(model)).isEqualTo(1f);
            }
            assertThat(engine.attempts()).as("model_1 once, the corrupt model_2 once").isEqualTo(2);
            assertThat(model.events()).filteredOn(e -> e.kind() == ReloadKind.FAILED).hasSize(1);
            assertThat(model.status().lastError().get().reason()).contains("model_2.onnx").contains("not a fake checkpoint");

            good(2); // fixed: a new mtime, so a new fingerprint
            assertThat(answer(model)).isEqualTo(2f);
            assertThat(model.status().lastError()).isEmpty();
            assertThat(model.status().generation()).isEqualTo(2);
        }
    }

    @Test
    void anEmptyFileIsRefused() {
        assertThat(refusedReason(builder(), () -> bytes(2, new byte[0]))).contains("model_2.onnx");
    }

    @Test
    void aTruncatedFileIsRefused() {
        byte[] full = FakeCheckpoint.of(2).bytes();
        assertThat(refusedReason(builder(), () -> bytes(2, java.util.Arrays.copyOf(full, full.length / 2)))).contains("truncated");
    }

    @Test
    void aNonFiniteOutputOnTheZeroBatchIsRefusedAndItsModelClosed() {
        String reason = refusedReason(builder(), () -> FakeCheckpoint.of(2).withNan().writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2)));
        assertThat(reason).contains("non-finite").contains("model_2.onnx");
        FakeModel refused = engine.models().get(1);
        assertThat(refused.closeCount()).as("the refused model is closed once").isEqualTo(1);
    }

    @Test
    void aWrongInputWidthIsRefusedWhenAWidthIsConfigured() {
        String reason = refusedReason(builder().expectedStateDim(4),
                () -> FakeCheckpoint.of(2).withStateDim(5).writeTo(dir.resolve("model_2.onnx"), base.plusSeconds(2)));
        assertThat(reason).contains("takes 5 inputs").contains("state_dim 4");
        assertThat(engine.models()).extracting(FakeModel::bias).containsExactly(1f, 2f);
        assertThat(engine.models()).extracting(FakeModel::closeCount).as("the refused one at once, the other at close").containsExactly(1, 1);
    }

    @Test
    void aSha256SidecarThatDoesNotMatchIsRefused() {
        String reason = refusedReason(builder(), () -> {
            Path p = good(2);
            FakeCheckpoint.writeSha256Sidecar(p, "other bytes".getBytes());
        });
        assertThat(reason).contains("sha256").contains("model_2.onnx.sha256");
        assertThat(engine.attempts()).as("refused before the engine is asked").isEqualTo(1);
    }

    @Test
    void aMatchingSha256SidecarIsAccepted() {
        good(1);
        byte[] b = FakeCheckpoint.of(2).bytes();
        Path p = dir.resolve("model_2.onnx");
        FakeCheckpoint.writeSha256Sidecar(p, b);
        FakeCheckpoint.writeBytes(p, b, base.plusSeconds(2));
        try (HotModel model = builder().build()) {
            assertThat(answer(model)).isEqualTo(2f);
        }
    }

    @Test
    void aMalformedSha256SidecarIsRefused() {
        String reason = refusedReason(builder(), () -> {
            Path p = good(2);
            write(p.resolveSibling("model_2.onnx.sha256"), "xyz  model_2.onnx\n");
        });
        assertThat(reason).contains("sha256sum format");
    }

    @Test
    void theJsonSidecarStateDimGoesToTheLoaderAndIsVerified() {
        good(1);
        write(dir.resolve("model_1.onnx.json"), "{\"state_dim\": 4}");
        try (HotModel model = builder().build()) {
            assertThat(answer(model)).isEqualTo(1f);
            assertThat(engine.optionsSeen().get(0).stateDim()).hasValue(4);
        }
        String reason = refusedReason(builder(), () -> {
            good(2);
            write(dir.resolve("model_2.onnx.json"), "{\"state_dim\": 6}");
        });
        assertThat(reason).contains("state_dim 6").contains("model_2.onnx.json");
    }

    @Test
    void aGoldenCheckThatMatchesIsAcceptedAndOneThatDoesNotIsRefused() {
        good(1);
        // The fake's action is bias + j + sum(state) / 1000.
        write(dir.resolve("model_1.onnx.json"),
                "{\"golden\": {\"inputs\": [[0,0,0,0],[1000,0,0,0]], \"outputs\": [[1.0],[2.0]], \"atol\": 1e-5}}");
        try (HotModel model = builder().build()) {
            assertThat(answer(model)).isEqualTo(1f);
        }
        String reason = refusedReason(builder(), () -> {
            good(2);
            write(dir.resolve("model_2.onnx.json"), "{\"golden\": {\"inputs\": [[0,0,0,0]], \"outputs\": [[2.5]]}}");
        });
        assertThat(reason).contains("golden check").contains("expected 2.5");
    }

    @Test
    void anInvalidJsonSidecarIsRefused() {
        String reason = refusedReason(builder(), () -> {
            good(2);
            write(dir.resolve("model_2.onnx.json"), "{\"state_dim\": ");
        });
        assertThat(reason).contains("not valid JSON").contains("model_2.onnx.json");
    }

    @Test
    void aBrokenFileAtStartUpIsRecordedNotThrownAndNamedByTheNoModelError() {
        bytes(1, "garbage".getBytes());
        try (HotModel model = builder().build()) {
            for (int i = 0; i < 1_000; i++) {
                assertThatThrownBy(model::acquire).isInstanceOf(NoModelException.class)
                        .hasMessageContaining("model_1.onnx").hasMessageContaining("not a fake checkpoint");
            }
            assertThat(engine.attempts()).isEqualTo(1);
            assertThat(model.status().current()).isEmpty();
        }
    }

    @Test
    void aForcedReloadOfABrokenFileFailsAndTheOldModelServes() {
        Path p = good(1);
        try (HotModel model = builder().build()) {
            bytes(1, "garbage".getBytes());
            assertThatThrownBy(model::reload).isInstanceOf(ReloadFailedException.class).hasMessageContaining(p.toString());
            assertThat(answer(model)).isEqualTo(1f);
            assertThat(model.status().generation()).isEqualTo(1);
            assertThat(engine.open()).hasSize(1);
        }
    }

    @Test
    void aForcedReloadWithNoFileSaysSo() {
        try (HotModel model = builder().build()) {
            assertThatThrownBy(model::reload).isInstanceOf(NoModelException.class).hasMessageContaining("no checkpoint found");
        }
    }

    private static void write(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anUnknownHeadHintIsRefused() {
        String reason = refusedReason(builder(), () -> {
            good(2);
            write(dir.resolve("model_2.onnx.json"), "{\"head\": \"gaussian\"}");
        });
        assertThat(reason).contains("unknown policy head 'gaussian'").contains("model_2.onnx");
    }
}
