package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotserveRuntime;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelLoader;
import dev.hotserve.engine.Engines;
import dev.hotserve.signing.ModelSigner;
import dev.hotserve.signing.SignatureMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code enforce} and the real engines, the bytes whose digest the signature covers are the
 * bytes ONNX Runtime and libtorch load: a writer that replaces a signed checkpoint in place (same
 * size, same mtime) just before the engine opens it never gets its weights served, and the
 * private copies are gone once the models close.
 */
class SignedBytesRealEnginesTest {

    static final Path KEY = SignedCheckpointsEndToEndTest.KEY;
    static final Path PUB = SignedCheckpointsEndToEndTest.PUB;

    @TempDir
    Path dir;

    @TempDir
    Path copies;

    private final Engines engines = Engines.discover();

    private static void sign(Path checkpoint) throws Exception {
        Files.write(checkpoint.resolveSibling(checkpoint.getFileName() + ".sig"), ModelSigner.load(KEY).signFile(checkpoint));
    }

    private static float[] state() {
        float[] s = new float[28];
        for (int i = 0; i < s.length; i++) {
            s[i] = 0.05f * (i - 14);
        }
        return s;
    }

    /** What the fixture itself answers when served unsigned, straight from the committed file. */
    private float[] direct(String fixture) {
        try (HotModel m = HotModel.builder().file(Checkpoints.fixture(fixture)).build(); Lease lease = m.acquire()) {
            return lease.predict(state());
        }
    }

    private long copiesOnDisk() throws IOException {
        try (Stream<Path> s = Files.walk(copies)) {
            return s.filter(p -> !p.equals(copies)).count();
        }
    }

    /** A loader under which a writer replaces {@code target} (keeping its size and mtime) with {@code with} just before the engine reads. */
    private ModelLoader replacingFirst(Path target, Path with, List<Path> loadedFrom) {
        return (file, options) -> {
            try {
                FileTime mtime = Files.getLastModifiedTime(target);
                byte[] other = Files.readAllBytes(with);
                assertThat(other.length).as("the fixtures chosen have the same size").isEqualTo((int) Files.size(target));
                Files.write(target, other);
                Files.setLastModifiedTime(target, mtime);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            loadedFrom.add(file);
            return engines.load(file, options);
        };
    }

    private void servesTheSignedBytes(String signedFixture, String replacement, String name) throws Exception {
        Path checkpoint = Checkpoints.publish(dir, signedFixture, name, 1);
        Path json = Checkpoints.fixture(signedFixture).resolveSibling(signedFixture + ".json");
        if (Files.exists(json)) {
            Files.copy(json, dir.resolve(name + ".json")); // the TorchScript engine reads it itself, beside the file it loads
        }
        sign(checkpoint);
        float[] signed = direct(signedFixture);
        float[] other = direct(replacement);
        assertThat(other).as("the replacement answers differently").isNotEqualTo(signed);
        List<Path> loadedFrom = new ArrayList<>();
        try (HotserveRuntime rt = HotserveRuntime.builder().engines(engines).privateCopies(copies).build();
                HotModel model = HotModel.builder().file(checkpoint).runtime(rt).loader(replacingFirst(checkpoint, Checkpoints.fixture(replacement), loadedFrom))
                        .signatures(SignatureMode.ENFORCE).trustedKeys(PUB).build()) {
            try (Lease lease = model.acquire()) {
                assertThat(lease.predict(state())).as("the signed weights serve").containsExactly(signed);
            }
            assertThat(model.current().orElseThrow().signer()).isPresent();
            assertThat(loadedFrom).hasSize(1);
            assertThat(loadedFrom.get(0)).startsWith(copies).hasFileName(name);
            assertThat(copiesOnDisk()).isPositive();
        }
        assertThat(copiesOnDisk()).as("the private copy is gone with its model").isZero();
    }

    @Test
    void onnxRuntimeLoadsTheSignedBytes() throws Exception {
        servesTheSignedBytes("actor_seed0.onnx", "actor_seed1.onnx", "model_2026-04-01.onnx");
    }

    @Test
    void libtorchLoadsTheSignedBytesWithTheirSidecar() throws Exception {
        servesTheSignedBytes("actor_seed0.pt", "actor_seed1.pt", "model_2026-04-01.pt");
    }
}
