package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hotserve.core.testing.FakeCheckpoint;
import dev.hotserve.core.testing.FakeEngine;
import dev.hotserve.signing.ModelSigner;
import dev.hotserve.signing.SignatureMode;
import dev.hotserve.source.CheckpointFiles;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With signatures on, the bytes whose digest matched the signature are the bytes the engine loads:
 * a writer that rewrites a local checkpoint after its hash, or while the engine opens it, never
 * gets its bytes served, because the engine loads a private copy; the copies are deleted when
 * their models close; a rollback verifies its signature again.
 */
class SignedBytesAreLoadedBytesTest {

    @TempDir
    Path dir;

    @TempDir
    Path copies;

    final FakeEngine engine = FakeEngine.strict();
    final Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    private HotserveRuntime runtimeWithCopies() {
        return HotserveRuntime.builder().privateCopies(copies).build();
    }

    private HotModelBuilder model(HotserveRuntime rt, SignatureMode mode) {
        HotModelBuilder b = HotModel.builder().directory(dir).loader(engine.loader()).runtime(rt).signatures(mode);
        return mode == SignatureMode.OFF ? b : b.trustedKeys(SignedCheckpointsTest.PUB);
    }

    private Path checkpoint(int n) {
        return FakeCheckpoint.of(n).writeTo(dir.resolve("model_" + n + ".onnx"), base.plusSeconds(n));
    }

    private static Path sign(Path file) throws Exception {
        return Files.write(file.resolveSibling(file.getFileName() + ".sig"), ModelSigner.load(SignedCheckpointsTest.KEY).signFile(file));
    }

    /** Overwrites {@code file} in place with another checkpoint of the same size, keeping its mtime: no stat can tell. */
    private static void rewriteKeepingStat(Path file, int n) {
        try {
            FileTime mtime = Files.getLastModifiedTime(file);
            byte[] other = FakeCheckpoint.of(n).bytes();
            assertThat(other).hasSize(Math.toIntExact(Files.size(file)));
            Files.write(file, other);
            Files.setLastModifiedTime(file, mtime);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long copiesOnDisk() throws IOException {
        try (Stream<Path> s = Files.walk(copies)) {
            return s.filter(p -> !p.equals(copies)).count();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void bytesReplacedRightAfterTheHashAreNeverServed() throws Exception {
        Path first = checkpoint(1);
        sign(first);
        byte[] signedBytes = Files.readAllBytes(first);
        // With a digest to check, the hash pass runs to its end before any engine read: the window is exact.
        Files.writeString(first.resolveSibling("model_1.onnx.sha256"), sha256(signedBytes) + "  model_1.onnx\n");
        AtomicBoolean rewritten = new AtomicBoolean();
        // The hash pass reads through the file seam: the moment it has read the last byte, a writer replaces them.
        CheckpointFiles rewriting = new Delegating(CheckpointFiles.system()) {
            @Override
            public InputStream open(Path file) throws IOException {
                InputStream in = super.open(file);
                if (!file.equals(first)) {
                    return in;
                }
                return new FilterInputStream(in) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n < 0 && rewritten.compareAndSet(false, true)) {
                            rewriteKeepingStat(first, 9);
                        }
                        return n;
                    }
                };
            }
        };
        try (HotserveRuntime rt = runtimeWithCopies();
                HotModel model = model(rt, SignatureMode.ENFORCE).fileSystem(rewriting).build()) {
            assertThat(rewritten).as("the writer struck between the hash and the engine's read").isTrue();
            assertThat(SignedCheckpointsTest.answer(model)).as("the signed bytes serve, not the writer's").isEqualTo(1f);
            ModelVersion v = model.current().orElseThrow();
            assertThat(v.sha256()).isEqualTo(sha256(signedBytes));
            assertThat(v.signer()).isPresent();
            assertThat(v.path()).as("the version still names the checkpoint, not its copy").isEqualTo(first);
            assertThat(engine.models().get(0).file()).as("the engine loaded the private copy").startsWith(copies);
        }
    }

    @Test
    void bytesReplacedWhileTheEngineOpensTheFileAreNeverServed() throws Exception {
        Path first = checkpoint(1);
        sign(first);
        List<String> permissions = new ArrayList<>();
        // A loader that lets the writer replace the checkpoint just before the engine reads its file.
        ModelLoader racing = (file, options) -> {
            rewriteKeepingStat(first, 9);
            try {
                permissions.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
                permissions.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return engine.loader().load(file, options);
        };
        try (HotserveRuntime rt = runtimeWithCopies();
                HotModel model = model(rt, SignatureMode.ENFORCE).loader(racing).build()) {
            assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(1f);
            assertThat(permissions).as("a folder only hotserve may open, a file only it may read").containsExactly("rwx------", "rw-------");
        }
        // What the writer left is a new checkpoint the signature does not cover: refused when asked for.
        assertThat(Files.readAllBytes(first)).isEqualTo(FakeCheckpoint.of(9).bytes());
    }

    @Test
    void warnAlsoLoadsTheCopyAndOffLoadsTheFileItself() throws Exception {
        Path first = checkpoint(1);
        sign(first);
        try (HotserveRuntime rt = runtimeWithCopies()) {
            try (HotModel model = model(rt, SignatureMode.WARN).build()) {
                assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(1f);
                assertThat(copiesOnDisk()).as("one folder, the checkpoint in it").isEqualTo(2);
            }
            try (HotModel model = model(rt, SignatureMode.OFF).build()) {
                assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(1f);
                assertThat(copiesOnDisk()).as("no signatures: no copy").isZero();
                assertThat(engine.models().get(1).file()).isEqualTo(first);
            }
        }
    }

    @Test
    void theCopiesAreGoneOnceTheModelsClose() throws Exception {
        sign(checkpoint(1));
        try (HotserveRuntime rt = runtimeWithCopies()) {
            HotModel a = model(rt, SignatureMode.ENFORCE).name("a").build();
            HotModel b = model(rt, SignatureMode.ENFORCE).name("b").build();
            Lease held = b.acquire(); // keeps b's version 1 open after it is replaced
            assertThat(copiesOnDisk()).as("each copy: a folder and the checkpoint in it").isEqualTo(2 + 2);

            Files.writeString(dir.resolve("model_2.onnx.json"), "{\"state_dim\": 4}");
            sign(checkpoint(2));
            assertThat(SignedCheckpointsTest.answer(a)).isEqualTo(2f);
            a.reload();
            assertThat(SignedCheckpointsTest.answer(b)).isEqualTo(2f);
            // a: version 3 (2 loaded again), its copy with the .json sidecar; the ones it replaced are closed.
            // b: version 2 serves, version 1 is still held by the lease.
            assertThat(copiesOnDisk()).isEqualTo(3 + 3 + 2);
            held.close();
            assertThat(copiesOnDisk()).as("the lease's release closed b's version 1").isEqualTo(3 + 3);

            Path third = checkpoint(3);
            sign(third);
            rewriteKeepingStat(third, 8); // tampered after signing: refused once the copy's digest is known
            assertThat(SignedCheckpointsTest.answer(a)).isEqualTo(2f);
            assertThat(a.status().lastError().orElseThrow().reason()).contains("digest_mismatch");
            assertThat(copiesOnDisk()).as("a refused load leaves no copy").isEqualTo(3 + 3);
            a.close();
            b.close();
            assertThat(copiesOnDisk()).isZero();
        }
    }

    @Test
    void aRollbackVerifiesTheSignatureAgain() throws Exception {
        Path sig1 = sign(checkpoint(1));
        try (HotserveRuntime rt = runtimeWithCopies(); HotModel model = model(rt, SignatureMode.ENFORCE).build()) {
            assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(1f);
            sign(checkpoint(2));
            assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(2f);
            int attempts = engine.attempts();

            ModelVersion back = model.rollback(1);
            assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(1f);
            assertThat(back.signer()).as("verified again, so its signer is named again").isPresent();
            assertThat(engine.attempts()).isEqualTo(attempts + 1);
            model.unpin();
            assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(2f);
            attempts = engine.attempts();

            byte[] signature = Files.readAllBytes(sig1);
            Files.delete(sig1);
            assertThatThrownBy(() -> model.rollback(1)).isInstanceOf(ReloadFailedException.class).hasMessageContaining("unsigned");
            assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(2f);

            Files.copy(dir.resolve("model_2.onnx.sig"), sig1); // model_2's signature beside model_1
            assertThatThrownBy(() -> model.rollback(1)).isInstanceOf(ReloadFailedException.class).hasMessageContaining("digest_mismatch");
            assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(2f);

            Files.write(sig1, withSignatureBitFlipped(signature));
            assertThatThrownBy(() -> model.rollback(1)).isInstanceOf(ReloadFailedException.class).hasMessageContaining("signature refused");
            assertThat(SignedCheckpointsTest.answer(model)).isEqualTo(2f);
            assertThat(engine.attempts()).as("every refusal came before the engine saw the bytes").isEqualTo(attempts);
            assertThat(copiesOnDisk()).as("only the serving version's copy").isEqualTo(2);
        }
    }

    /** The bundle with one bit of its envelope's signature flipped: it still parses, and no longer verifies. */
    private static byte[] withSignatureBitFlipped(byte[] bundle) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode root = json.readTree(bundle);
        ObjectNode entry = (ObjectNode) root.at("/dsseEnvelope/signatures/0");
        byte[] sig = Base64.getDecoder().decode(entry.get("sig").asText());
        sig[sig.length - 1] ^= 1; // the last byte of the DER signature's s: same structure, another number
        entry.put("sig", Base64.getEncoder().encodeToString(sig));
        return json.writeValueAsBytes(root);
    }

    /** A file seam that passes everything through; tests override the calls they intercept. */
    private static class Delegating implements CheckpointFiles {
        private final CheckpointFiles inner;

        Delegating(CheckpointFiles inner) {
            this.inner = inner;
        }

        @Override
        public Stat stat(Path path) throws IOException {
            return inner.stat(path);
        }

        @Override
        public boolean exists(Path path) throws IOException {
            return inner.exists(path);
        }

        @Override
        public List<Path> list(Path directory) throws IOException {
            return inner.list(directory);
        }

        @Override
        public InputStream open(Path file) throws IOException {
            return inner.open(file);
        }
    }
}
