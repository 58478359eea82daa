package dev.hotserve.signing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the committed test keys and the reference vectors lie (src/test/resources/signing), and a copy helper. */
final class SigningMaterial {

    static final Path ROOT = Path.of("src/test/resources/signing").toAbsolutePath();
    static final Path VECTORS = ROOT.resolve("oms-test-vectors");
    static final Path KEYS = VECTORS.resolve("keys");
    static final Path REFERENCE_PUB = KEYS.resolve("signing-key-pub.pem");
    static final Path REFERENCE_KEY = KEYS.resolve("signing-key.pem");
    static final Path REFERENCE_CA = KEYS.resolve("ca-cert.pem");
    /** The hint model_signing 1.1 wrote for the reference key. */
    static final String REFERENCE_HINT = "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e";

    static final List<String> KEY_VECTORS = List.of("v1.0.1-elliptic-key", "v1.1.0-elliptic-key");
    static final List<String> CERT_VECTORS = List.of("v1.0.1-certificate", "v1.1.0-certificate");

    private SigningMaterial() {}

    static TrustedKeys trust(Path... pems) {
        try {
            return TrustedKeys.load(List.of(pems));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SignatureException e) {
            throw new AssertionError(e);
        }
    }

    /** A writable copy of one vector folder. */
    static Path copy(String vector, Path into) throws IOException {
        Path from = VECTORS.resolve(vector);
        Path to = into.resolve(vector);
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path t = to.resolve(f.getFileName().toString());
                Files.copy(f, t);
                t.toFile().setWritable(true);
            }
        }
        return to;
    }
}
