package dev.hotserve.signing;

import static dev.hotserve.signing.SigningMaterial.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What {@link ModelSigner} writes verifies with an independent implementation: src/test/python/oms_verify.py,
 * written from ../shared/signing/README.md with Debian's python3-cryptography. Skipped with a message
 * where that is missing, except under CI ({@code CI=true}), where it fails.
 */
class IndependentVerifierTest {

    static final Path SCRIPT = Path.of("src/test/python/oms_verify.py").toAbsolutePath();
    static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path tmp;

    @BeforeAll
    static void pythonCryptographyIsThere() throws Exception {
        boolean there = Files.isExecutable(Path.of(PYTHON)) && run(List.of(PYTHON, "-c", "import cryptography")).exit == 0;
        if (!there) {
            String msg = "needs Debian's python3-cryptography: apt-get install -y python3-cryptography";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(msg);
            }
            Assumptions.abort(msg);
        }
    }

    record Result(int exit, String output) {}

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }

    static Result verify(Path pub, Path sig, Path model, String... ignored) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, SCRIPT.toString(), pub.toString(), sig.toString(), model.toString()));
        cmd.addAll(List.of(ignored));
        return run(cmd);
    }

    @Test
    void theScriptAgreesWithTheReferenceVectors() throws Exception {
        for (String v : KEY_VECTORS) {
            Path dir = VECTORS.resolve(v);
            assertThat(verify(REFERENCE_PUB, dir.resolve("model.sig"), dir, "ignore-me").exit()).as(v).isZero();
            assertThat(verify(REFERENCE_PUB, dir.resolve("model.sig"), dir).exit()).as(v + " without ignore").isEqualTo(1);
        }
    }

    @ParameterizedTest
    @CsvSource({"p256-key.pem, p256-pub.pem", "oms-test-vectors/keys/signing-key.pem, oms-test-vectors/keys/signing-key-pub.pem",
            "p521-key.pem, p521-pub.pem", "other-p384-pkcs8.pem, other-p384-pub.pem"})
    void ourSignatureOfAFileVerifiesWithPython(String key, String pub) throws Exception {
        Path model = Files.write(tmp.resolve("model_0002.onnx"), "not really onnx".getBytes(StandardCharsets.UTF_8));
        Path sig = Files.write(tmp.resolve("model_0002.onnx.sig"), ModelSigner.load(ROOT.resolve(key)).signFile(model));
        Result ok = verify(ROOT.resolve(pub), sig, model);
        assertThat(ok.exit()).as(ok.output()).isZero();

        Files.writeString(model, "tampered");
        assertThat(verify(ROOT.resolve(pub), sig, model).exit()).isEqualTo(1);
        Path otherPub = ROOT.resolve(pub.startsWith("p256") ? "p521-pub.pem" : "p256-pub.pem");
        assertThat(verify(otherPub, sig, model).exit()).isEqualTo(1);
    }

    @Test
    void ourSignatureOfADirectoryVerifiesWithPython() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(dir.resolve("a.bin"), "a");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/b.bin"), "b");
        Files.write(dir.resolve("model.sig"), ModelSigner.load(REFERENCE_KEY).signDirectory(dir, List.of()));
        Result ok = verify(REFERENCE_PUB, dir.resolve("model.sig"), dir);
        assertThat(ok.exit()).as(ok.output()).isZero();
    }
}
