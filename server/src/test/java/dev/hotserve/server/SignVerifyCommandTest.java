package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hotserve sign} and {@code hotserve verify} (README, "Signed checkpoints"): exit 0 only for a valid signature. */
class SignVerifyCommandTest {

    static final Path MATERIAL = Path.of("../core/src/test/resources/signing").toAbsolutePath().normalize();
    static final Path VECTORS = MATERIAL.resolve("oms-test-vectors");
    static final Path KEY = VECTORS.resolve("keys/signing-key.pem");
    static final Path PUB = VECTORS.resolve("keys/signing-key-pub.pem");
    static final Path CA = VECTORS.resolve("keys/ca-cert.pem");

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    static Run hotserve(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void signThenVerifyAFile() throws Exception {
        Path model = Files.write(tmp.resolve("model_0001.onnx"), new byte[] {7, 7, 7});
        Run sign = hotserve("sign", "--key", KEY.toString(), model.toString());
        assertThat(sign.exit()).as(sign.err()).isZero();
        assertThat(tmp.resolve("model_0001.onnx.sig")).exists();
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model_0001.onnx", "model_0001.onnx.sig");
        }

        Run ok = hotserve("verify", "--key", PUB.toString(), model.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("key sha256:e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e");

        Run other = hotserve("verify", "--key", MATERIAL.resolve("p256-pub.pem").toString(), model.toString());
        assertThat(other.exit()).isEqualTo(1);
        assertThat(other.err()).contains("untrusted_key");

        Files.write(model, new byte[] {7, 7, 8});
        Run tampered = hotserve("verify", "--key", PUB.toString(), model.toString());
        assertThat(tampered.exit()).isEqualTo(1);
        assertThat(tampered.err()).contains("digest_mismatch");
    }

    @Test
    void verifyTheReferenceVectorsByKeyAndByCa() {
        for (String v : List.of("v1.0.1-elliptic-key", "v1.1.0-elliptic-key")) {
            Path dir = VECTORS.resolve(v);
            assertThat(hotserve("verify", "--key", PUB.toString(), "--ignore", "ignore-me", dir.toString()).exit()).as(v).isZero();
            assertThat(hotserve("verify", "--key", PUB.toString(), dir.toString()).exit()).as(v).isEqualTo(1);
        }
        for (String v : List.of("v1.0.1-certificate", "v1.1.0-certificate")) {
            Path dir = VECTORS.resolve(v);
            Run ok = hotserve("verify", "--ca", CA.toString(), "--ignore", "ignore-me", "--signature", dir.resolve("model.sig").toString(),
                    dir.toString());
            assertThat(ok.exit()).as(v + ok.err()).isZero();
            assertThat(ok.out()).contains("certificate CN=intermediate-ca");
            assertThat(hotserve("verify", "--key", PUB.toString(), "--ignore", "ignore-me", dir.toString()).exit()).as(v).isEqualTo(1);
        }
    }

    @Test
    void unsignedAndUsageErrors() throws Exception {
        Path model = Files.write(tmp.resolve("m.onnx"), new byte[] {1});
        Run unsigned = hotserve("verify", "--key", PUB.toString(), model.toString());
        assertThat(unsigned.exit()).isEqualTo(1);
        assertThat(unsigned.err()).contains("unsigned");
        assertThat(hotserve("verify", model.toString()).exit()).isEqualTo(2);
        assertThat(hotserve("verify", "--key", PUB.toString(), "--ca", CA.toString(), model.toString()).exit()).isEqualTo(2);
        assertThat(hotserve("verify", "--key", CA.toString(), model.toString()).exit()).isEqualTo(2);
        assertThat(hotserve("sign", "--key", PUB.toString(), model.toString()).exit()).isEqualTo(1);
    }

    @Test
    void signADirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(dir.resolve("a.onnx"), "a");
        Files.writeString(dir.resolve("README"), "r");
        assertThat(hotserve("sign", "--key", KEY.toString(), "--ignore", "README", dir.toString()).exit()).isZero();
        assertThat(dir.resolve("model.sig")).exists();
        assertThat(hotserve("verify", "--key", PUB.toString(), "--ignore", "README", dir.toString()).exit()).isZero();
        assertThat(hotserve("verify", "--key", PUB.toString(), dir.toString()).exit()).isEqualTo(1);
    }
}
