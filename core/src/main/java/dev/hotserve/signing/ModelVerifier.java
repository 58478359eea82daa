package dev.hotserve.signing;

import dev.hotserve.signing.SignatureException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Verifies OMS signatures (README, "Signed checkpoints") against {@link TrustedKeys}, with the JDK's own cryptography and
 * no network: the key method (the bundle's key hint, or its raw key, must be a trusted key) and the
 * certificate method (PKIX path validation of the bundle's chain to a trusted CA certificate, at the
 * clock's time, without revocation checks). The signature is checked first, then the statement,
 * then the files: a tampered envelope is a bad signature, never a malformed statement.
 *
 * <p>Thread-safe and stateless beyond its trusted keys.
 */
public final class ModelVerifier {

    private final TrustedKeys trusted;
    private final Clock clock;

    public ModelVerifier(TrustedKeys trusted) {
        this(trusted, Clock.systemUTC());
    }

    public ModelVerifier(TrustedKeys trusted, Clock clock) {
        this.trusted = Objects.requireNonNull(trusted, "trusted");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The signature over the envelope verifies with a trusted key; returns the signer and the (now trusted) statement. */
    record Checked(Signer signer, Statement statement) {}

    /**
     * An envelope whose signature verified with a trusted key; the files are still to be matched.
     * The load path checks this before the engine sees the bytes, and the file's digest, taken from
     * the one hash pass over the bytes the engine loads, after.
     */
    public static final class VerifiedEnvelope {
        private final Checked checked;
        private final SignatureBundle bundle;

        private VerifiedEnvelope(Checked checked, SignatureBundle bundle) {
            this.checked = checked;
            this.bundle = bundle;
        }

        public Signer signer() {
            return checked.signer();
        }

        /** The statement signs exactly this one file ({@code fileName}, or {@code .}) with this sha256. */
        public Verified matchFile(String fileName, byte[] sha256) throws SignatureException {
            return ModelVerifier.matchFile(checked, bundle, fileName, sha256);
        }
    }

    /** Checks the envelope's signature against the trusted keys, and the statement's form. */
    public VerifiedEnvelope verifyEnvelope(SignatureBundle bundle) throws SignatureException {
        return new VerifiedEnvelope(check(bundle), bundle);
    }

    Checked check(SignatureBundle bundle) throws SignatureException {
        ECPublicKey key;
        String subject = null;
        switch (bundle.material()) {
            case SignatureBundle.KeyHint(String hint) -> {
                key = trusted.keyByHint(hint);
                if (key == null) {
                    throw new SignatureException(Reason.UNTRUSTED_KEY, "signed by key sha256:" + hint + ", which is not a trusted key");
                }
            }
            case SignatureBundle.RawKey(ECPublicKey raw) -> {
                String hint = Pem.hint(raw);
                key = trusted.keyByHint(hint);
                if (key == null) {
                    throw new SignatureException(Reason.UNTRUSTED_KEY, "signed by key sha256:" + hint + ", which is not a trusted key");
                }
            }
            case SignatureBundle.Chain(List<X509Certificate> chain) -> {
                X509Certificate leaf = validate(chain);
                if (!(leaf.getPublicKey() instanceof ECPublicKey ec)) {
                    throw new SignatureException(Reason.MALFORMED_BUNDLE, "the signing certificate's key is not an EC key");
                }
                try {
                    Curves.of(ec);
                } catch (SignatureException e) {
                    throw new SignatureException(Reason.MALFORMED_BUNDLE, "the signing certificate's key is not on P-256, P-384 or P-521", e);
                }
                key = ec;
                subject = leaf.getSubjectX500Principal().getName();
            }
        }
        Curves curve;
        try {
            curve = Curves.of(key);
        } catch (SignatureException e) {
            throw new SignatureException(Reason.MALFORMED_BUNDLE, "the signer's key is not on a supported curve", e);
        }
        boolean ok;
        try {
            Signature s = Signature.getInstance(curve.jca);
            s.initVerify(key);
            s.update(bundle.pae());
            ok = s.verify(bundle.signature());
        } catch (java.security.SignatureException | RuntimeException e) {
            ok = false; // a signature that is not DER, or of the wrong size, is a bad signature
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot verify " + curve.jca, e);
        }
        if (!ok) {
            throw new SignatureException(Reason.BAD_SIGNATURE, "the signature does not verify with key sha256:" + Pem.hint(key));
        }
        return new Checked(new Signer(Pem.hint(key), subject), Statement.parse(bundle.payload()));
    }

    private X509Certificate validate(List<X509Certificate> chain) throws SignatureException {
        Set<TrustAnchor> anchors = trusted.anchors();
        if (anchors.isEmpty()) {
            throw new SignatureException(Reason.UNTRUSTED_KEY, "signed with a certificate, and no CA certificate is trusted");
        }
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : chain) {
            boolean isAnchor = anchors.stream().anyMatch(a -> a.getTrustedCert().equals(c));
            if (!isAnchor) {
                path.add(c);
            }
        }
        if (path.isEmpty()) {
            throw new SignatureException(Reason.UNTRUSTED_KEY, "the chain holds only a CA certificate, no signing certificate");
        }
        X509Certificate leaf = chain.get(0);
        try {
            CertPath cp = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(clock.instant()));
            CertPathValidator.getInstance("PKIX").validate(cp, params);
        } catch (CertPathValidatorException e) {
            throw new SignatureException(Reason.UNTRUSTED_KEY, "the certificate chain of " + leaf.getSubjectX500Principal().getName()
                    + " does not validate to a trusted CA: " + e.getMessage(), e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SignatureException(Reason.UNTRUSTED_KEY, "the certificate chain cannot be validated: " + e.getMessage(), e);
        }
        boolean[] usage = leaf.getKeyUsage();
        if (usage != null && !usage[0]) {
            throw new SignatureException(Reason.UNTRUSTED_KEY, "the signing certificate " + leaf.getSubjectX500Principal().getName()
                    + " is not for digital signatures");
        }
        return leaf;
    }

    /**
     * The load path (README, "Signed checkpoints"): the bundle signs exactly one file, named {@code fileName} (or {@code .}),
     * whose sha256 is {@code sha256}: the digest of the very bytes the engine loads, computed by the caller.
     */
    public Verified verifyFile(SignatureBundle bundle, String fileName, byte[] sha256) throws SignatureException {
        return matchFile(check(bundle), bundle, fileName, sha256);
    }

    private static Verified matchFile(Checked c, SignatureBundle bundle, String fileName, byte[] sha256) throws SignatureException {
        List<Statement.Resource> res = c.statement().resources();
        if (res.size() != 1) {
            throw new SignatureException(Reason.MISSING_FILE, "the signature lists " + res.size() + " files; a checkpoint file is one");
        }
        String signedName = res.get(0).name();
        if (!signedName.equals(".") && !signedName.equals(fileName)) {
            throw new SignatureException(Reason.MISSING_FILE, "the signature is for " + SignatureBundle.quote(signedName)
                    + ", not " + SignatureBundle.quote(fileName));
        }
        Statement.Resource r = res.get(0);
        if (!MessageDigest.isEqual(r.sha256(), sha256)) {
            throw new SignatureException(Reason.DIGEST_MISMATCH, SignatureBundle.quote(fileName) + " has sha256 "
                    + HexFormat.of().formatHex(sha256) + ", the signature says " + r.hex());
        }
        return new Verified(c.signer(), c.statement().subjectName(), bundle.sha256());
    }

    /** A checkpoint file and its signature file: hashes the file, then as {@link #verifyFile(SignatureBundle, String, byte[])}. */
    public Verified verifyFile(Path file, Path signature) throws IOException, SignatureException {
        SignatureBundle bundle = SignatureBundle.read(signature);
        Checked c = check(bundle); // refuse an untrusted signature before reading the file
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new SignatureException(Reason.MISSING_FILE, "no regular file " + file);
        }
        return matchFile(c, bundle, file.getFileName().toString(), ModelFiles.sha256(file));
    }

    /**
     * A model directory as the reference tool signs one: every regular file under it, but the ignored
     * paths, the signature file itself and the reference tool's git paths, must be listed with its
     * digest, and every listed file must be there.
     */
    public Verified verifyDirectory(Path dir, Path signature, Collection<String> ignore) throws IOException, SignatureException {
        SignatureBundle bundle = SignatureBundle.read(signature);
        Checked c = check(bundle);
        List<String> ignored = new ArrayList<>(ignore);
        ignored.addAll(ModelFiles.GIT_PATHS);
        Path absDir = dir.toAbsolutePath().normalize();
        Path absSig = signature.toAbsolutePath().normalize();
        if (absSig.startsWith(absDir)) {
            ignored.add(absDir.relativize(absSig).toString());
        }
        TreeMap<String, Path> files = ModelFiles.list(dir, ignored);
        Map<String, Statement.Resource> signed = new TreeMap<>(Statement.NAME_ORDER);
        for (Statement.Resource r : c.statement().resources()) {
            signed.put(r.name(), r);
        }
        if (signed.containsKey(".")) {
            throw new SignatureException(Reason.MISSING_FILE, "the signature is for a single file, not a directory");
        }
        for (String name : signed.keySet()) {
            if (!files.containsKey(name)) {
                throw new SignatureException(Reason.MISSING_FILE, "signed file " + SignatureBundle.quote(name) + " is missing");
            }
        }
        for (String name : files.keySet()) {
            if (!signed.containsKey(name)) {
                throw new SignatureException(Reason.EXTRA_FILE, "file " + SignatureBundle.quote(name) + " is not signed (ignore it, or sign it)");
            }
        }
        for (Map.Entry<String, Path> f : files.entrySet()) {
            Statement.Resource r = signed.get(f.getKey());
            byte[] actual = ModelFiles.sha256(f.getValue());
            if (!MessageDigest.isEqual(actual, r.sha256())) {
                throw new SignatureException(Reason.DIGEST_MISMATCH, SignatureBundle.quote(f.getKey()) + " has sha256 "
                        + HexFormat.of().formatHex(actual) + ", the signature says " + r.hex());
            }
        }
        return new Verified(c.signer(), c.statement().subjectName(), bundle.sha256());
    }

    /** A file or a directory; {@code signature} null means the default: {@code <file>.sig}, or {@code <dir>/model.sig}. */
    public Verified verify(Path fileOrDirectory, Path signature, Collection<String> ignore) throws IOException, SignatureException {
        boolean dir = Files.isDirectory(fileOrDirectory, LinkOption.NOFOLLOW_LINKS);
        Path sig = signature != null ? signature : defaultSignature(fileOrDirectory, dir);
        return dir ? verifyDirectory(fileOrDirectory, sig, ignore) : verifyFile(fileOrDirectory, sig);
    }

    /** {@code <file>.sig} next to a file; {@code model.sig} inside a directory (the reference tool's default name). */
    public static Path defaultSignature(Path fileOrDirectory, boolean directory) {
        return directory
                ? fileOrDirectory.resolve("model.sig")
                : fileOrDirectory.resolveSibling(fileOrDirectory.getFileName() + ".sig");
    }
}
