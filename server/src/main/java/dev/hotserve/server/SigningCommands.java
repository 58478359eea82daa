package dev.hotserve.server;

import dev.hotserve.signing.ModelSigner;
import dev.hotserve.signing.ModelVerifier;
import dev.hotserve.signing.SignatureException;
import dev.hotserve.signing.TrustedKeys;
import dev.hotserve.signing.Verified;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hotserve sign} and {@code hotserve verify} (README, "Signed checkpoints"): OMS signatures, as the reference tool writes and reads them. */
final class SigningCommands {

    /** Exit status of a refused signature (a usage error is picocli's 2). */
    static final int REFUSED = 1;

    private SigningCommands() {}

    @Command(name = "sign", mixinStandardHelpOptions = true,
            description = {"Sign a checkpoint with an EC private key (P-256, P-384, P-521): writes <checkpoint>.sig,",
                    "or <dir>/model.sig for a directory, in the OpenSSF Model Signing format."})
    static final class Sign implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--key", required = true, paramLabel = "PRIVATE.pem", description = "EC private key, SEC 1 or PKCS #8 PEM")
        Path key;
        @Option(names = "--signature", paramLabel = "FILE", description = "write here instead of <checkpoint>.sig / <dir>/model.sig")
        Path signature;
        @Option(names = "--ignore", paramLabel = "NAME", description = "for a directory: a path (relative to it) to leave unsigned; repeatable")
        List<String> ignore = new ArrayList<>();
        @Parameters(paramLabel = "CHECKPOINT", description = "a checkpoint file, or a model directory")
        Path checkpoint;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                ModelSigner signer = ModelSigner.load(key);
                boolean dir = Files.isDirectory(checkpoint, LinkOption.NOFOLLOW_LINKS);
                Path sig = signature != null ? signature : ModelVerifier.defaultSignature(checkpoint, dir);
                byte[] bundle = dir ? signer.signDirectory(checkpoint, ignoredWithin(checkpoint, sig)) : signer.signFile(checkpoint);
                writeAtomically(sig, bundle);
                out.println("hotserve: signed " + checkpoint + " -> " + sig + " (key sha256:" + signer.keyHint() + ")");
                out.flush();
                return 0;
            } catch (SignatureException e) {
                err.println("hotserve: cannot sign: " + e.getMessage());
                return REFUSED;
            } catch (IOException e) {
                err.println("hotserve: cannot sign: " + e);
                return REFUSED;
            }
        }

        private List<String> ignoredWithin(Path dir, Path sig) {
            List<String> all = new ArrayList<>(ignore);
            Path d = dir.toAbsolutePath().normalize();
            Path s = sig.toAbsolutePath().normalize();
            if (s.startsWith(d)) {
                all.add(d.relativize(s).toString());
            }
            return all;
        }

        /** A watching server never sees half a signature: written beside, then moved into place. */
        private static void writeAtomically(Path target, byte[] bytes) throws IOException {
            Path dir = target.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Verify a checkpoint's OpenSSF Model Signing signature; exits 0 only when it is valid.",
                    "A directory is verified as the reference tool signs one: every file but the ignored ones is listed."})
    static final class Verify implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        static final class Trust {
            @Option(names = "--key", paramLabel = "PUBLIC.pem", description = "the signer's EC public key (key method)")
            Path key;
            @Option(names = "--ca", paramLabel = "CA.pem", description = "a trusted CA certificate (certificate method)")
            Path ca;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Trust trust;
        @Option(names = "--ignore", paramLabel = "NAME", description = "a path (relative to the directory) that is not signed; repeatable")
        List<String> ignore = new ArrayList<>();
        @Option(names = "--signature", paramLabel = "FILE", description = "default <checkpoint>.sig, or <dir>/model.sig")
        Path signature;
        @Parameters(paramLabel = "CHECKPOINT", description = "a checkpoint file, or a model directory")
        Path checkpoint;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            TrustedKeys keys;
            try {
                keys = TrustedKeys.load(List.of(trust.key != null ? trust.key : trust.ca));
            } catch (SignatureException | IOException e) {
                err.println("hotserve: cannot read " + (trust.key != null ? trust.key : trust.ca) + ": " + e.getMessage());
                return 2;
            }
            if (trust.key != null && keys.keyHints().isEmpty()) {
                err.println("hotserve: " + trust.key + " holds no PUBLIC KEY (a CA certificate goes to --ca)");
                return 2;
            }
            if (trust.ca != null && keys.authorities().isEmpty()) {
                err.println("hotserve: " + trust.ca + " holds no CERTIFICATE (a public key goes to --key)");
                return 2;
            }
            TrustedKeys only = trust.key != null ? keysOnly(keys) : keys;
            try {
                Verified v = new ModelVerifier(only).verify(checkpoint, signature, ignore);
                out.println("hotserve: verified " + checkpoint + ": signed by " + v.signer().describe());
                out.flush();
                return 0;
            } catch (SignatureException e) {
                err.println("hotserve: refused " + checkpoint + ": " + e.getMessage());
                return REFUSED;
            } catch (IOException e) {
                err.println("hotserve: cannot verify " + checkpoint + ": " + e);
                return REFUSED;
            }
        }

        /** {@code --key} trusts the key, never a certificate that happens to share its file. */
        private static TrustedKeys keysOnly(TrustedKeys keys) {
            return keys.authorities().isEmpty() ? keys : keys.withoutAuthorities();
        }
    }
}
