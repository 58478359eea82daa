package dev.hotserve.core;

import dev.hotserve.signing.ModelVerifier;
import dev.hotserve.signing.SignatureBundle;
import dev.hotserve.signing.SignatureException;
import dev.hotserve.signing.SignatureMode;
import dev.hotserve.signing.TrustedKeys;
import dev.hotserve.source.StagedCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The signature step of a load: {@link #before} reads {@code <checkpoint>.sig} and checks
 * the envelope's signature against the trusted keys before the engine sees the file;
 * {@link Pending#after} matches the signed digest against the digest of the bytes the engine loads
 * (the load's one hash pass, over the private copy the engine is then given, before it reads it). In {@code enforce} a failure refuses the load; in {@code warn} it is
 * logged and the load goes on; {@code off} reads nothing.
 */
final class SignatureCheck {

    private static final System.Logger LOG = System.getLogger(SignatureCheck.class.getName());

    static final SignatureCheck OFF = new SignatureCheck(SignatureMode.OFF, TrustedKeys.none());

    private final SignatureMode mode;
    private final ModelVerifier verifier;

    SignatureCheck(SignatureMode mode, TrustedKeys trusted) {
        this.mode = Objects.requireNonNull(mode, "mode");
        if (mode == SignatureMode.ENFORCE && trusted.isEmpty()) {
            throw new IllegalArgumentException("signatures enforce needs at least one trusted key or CA certificate (HOTSERVE_TRUSTED_KEYS)");
        }
        this.verifier = new ModelVerifier(trusted);
    }

    SignatureMode mode() {
        return mode;
    }

    /** Whether a load must prove that the bytes it hashed are the bytes the engine gets (warn and enforce). */
    boolean verifiesBytes() {
        return mode != SignatureMode.OFF;
    }

    /** What remains to check once the digest is known. */
    interface Pending {
        /** @return the signer's description, or null when nothing was verified */
        String after(String sha256) throws CheckpointLoading.Refused;
    }

    private static final Pending NOTHING = sha -> null;

    static Path sidecarOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".sig");
    }

    Pending before(StagedCheckpoint staged) throws CheckpointLoading.Refused, IOException {
        if (mode == SignatureMode.OFF) {
            return NOTHING;
        }
        Path file = staged.file();
        String name = fileName(staged);
        ModelVerifier.VerifiedEnvelope envelope;
        try {
            envelope = verifier.verifyEnvelope(SignatureBundle.read(sidecarOf(file)));
        } catch (SignatureException e) {
            return refuseOrWarn(file, e);
        }
        return sha256 -> {
            try {
                String signer = envelope.matchFile(name, HexFormat.of().parseHex(sha256)).signer().describe();
                LOG.log(System.Logger.Level.INFO, "signature of " + file + " verified: signed by " + signer);
                return signer;
            } catch (SignatureException e) {
                refuseOrWarn(file, e);
                return null;
            }
        };
    }

    private Pending refuseOrWarn(Path file, SignatureException e) throws CheckpointLoading.Refused {
        // The reason's label first, where no file name can be mistaken for it: metrics count refusals by it.
        String msg = SignatureException.refusal(e.reason()) + " of " + file + ": " + e.getMessage();
        if (mode == SignatureMode.ENFORCE) {
            throw new CheckpointLoading.Refused(msg, e);
        }
        LOG.log(System.Logger.Level.WARNING, msg + "; loading it anyway (signatures: warn)");
        return NOTHING;
    }

    /** The checkpoint's own file name as the signer saw it (a staged copy may be named by its hash). */
    private static String fileName(StagedCheckpoint staged) {
        String id = staged.ref().id();
        int slash = Math.max(id.lastIndexOf('/'), id.lastIndexOf(java.io.File.separatorChar));
        return slash >= 0 ? id.substring(slash + 1) : id;
    }
}
