package dev.hotserve.signing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hotserve.signing.SignatureException.Reason;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Signs a checkpoint with an EC private key (the key method of README, "Signed checkpoints"), writing what
 * {@code model_signing} 1.1 writes: a v0.3 Sigstore bundle with the key's hint, a DSSE envelope over
 * an in-toto statement, one resource per file. A single file is the resource {@code .}, as the
 * reference tool names it.
 */
public final class ModelSigner {

    private final ECPrivateKey privateKey;
    private final ECPublicKey publicKey;
    private final Curves curve;

    private ModelSigner(ECPrivateKey privateKey, ECPublicKey publicKey, Curves curve) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.curve = curve;
    }

    /** A PEM file holding an {@code EC PRIVATE KEY} (SEC 1, as OpenSSL writes it) or a {@code PRIVATE KEY} (PKCS #8). */
    public static ModelSigner load(Path pemFile) throws IOException, SignatureException {
        return fromPem(TrustedKeys.readPem(pemFile));
    }

    public static ModelSigner fromPem(String pem) throws SignatureException {
        for (Pem.Block b : Pem.blocks(pem)) {
            switch (b.type()) {
                case "EC PRIVATE KEY" -> {
                    return sec1(b.der(), null);
                }
                case "PRIVATE KEY" -> {
                    return pkcs8(b.der());
                }
                default -> { }
            }
        }
        throw new SignatureException(Reason.MALFORMED_KEY, "no EC PRIVATE KEY or PRIVATE KEY block");
    }

    private static ModelSigner pkcs8(byte[] der) throws SignatureException {
        Der top = Der.of(new Der(der).expect(Der.SEQUENCE));
        top.expect(Der.INTEGER);
        Der alg = Der.of(top.expect(Der.SEQUENCE));
        String algOid = Der.oid(alg.expect(Der.OID).content());
        if (!algOid.equals("1.2.840.10045.2.1")) {
            throw new SignatureException(Reason.MALFORMED_KEY, "a private key of algorithm " + algOid + ", not EC");
        }
        Curves curve = Curves.ofOid(Der.oid(alg.expect(Der.OID).content()));
        return sec1(top.expect(Der.OCTET_STRING).content(), curve);
    }

    private static ModelSigner sec1(byte[] der, Curves known) throws SignatureException {
        Der seq = Der.of(new Der(der).expect(Der.SEQUENCE));
        seq.expect(Der.INTEGER);
        byte[] d = seq.expect(Der.OCTET_STRING).content();
        Curves curve = known;
        byte[] point = null;
        while (seq.hasMore()) {
            Der.Item item = seq.next();
            if (item.tag() == 0xa0) {
                Curves named = Curves.ofOid(Der.oid(Der.of(item).expect(Der.OID).content()));
                if (curve != null && curve != named) {
                    throw new SignatureException(Reason.MALFORMED_KEY, "the key names two curves");
                }
                curve = named;
            } else if (item.tag() == 0xa1) {
                point = Der.of(item).expect(Der.BIT_STRING).content();
            }
        }
        if (curve == null) {
            throw new SignatureException(Reason.MALFORMED_KEY, "the private key names no curve");
        }
        if (point == null) {
            throw new SignatureException(Reason.MALFORMED_KEY, "the private key file holds no public key (write it with openssl ec)");
        }
        int len = (curve.params.getCurve().getField().getFieldSize() + 7) / 8;
        if (point.length != 2 + 2 * len || point[0] != 0 || point[1] != 4) {
            throw new SignatureException(Reason.MALFORMED_KEY, "the public key is not an uncompressed point of " + curve.jcaName);
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(point, 2, 2 + len));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(point, 2 + len, 2 + 2 * len));
        try {
            KeyFactory kf = KeyFactory.getInstance("EC");
            ECPrivateKey priv = (ECPrivateKey) kf.generatePrivate(new ECPrivateKeySpec(new BigInteger(1, d), curve.params));
            ECPublicKey pub = (ECPublicKey) kf.generatePublic(new ECPublicKeySpec(new ECPoint(x, y), curve.params));
            ModelSigner signer = new ModelSigner(priv, pub, curve);
            byte[] probe = "hotserve key check".getBytes(StandardCharsets.US_ASCII);
            Signature v = Signature.getInstance(curve.jca);
            v.initVerify(pub);
            v.update(probe);
            if (!v.verify(signer.rawSign(probe))) {
                throw new SignatureException(Reason.MALFORMED_KEY, "the key file's public key does not match its private key");
            }
            return signer;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SignatureException(Reason.MALFORMED_KEY, "not a usable EC private key: " + e.getMessage(), e);
        }
    }

    /** The hint of the public key: what {@code verify --key} and the server's logs name the signer by. */
    public String keyHint() {
        return Pem.hint(publicKey);
    }

    /** The public key in PEM, as {@code verify --key} and {@code HOTSERVE_TRUSTED_KEYS} want it. */
    public String publicKeyPem() {
        return Pem.publicKeyPem(publicKey);
    }

    /** Signs one checkpoint file: the bundle's bytes, to be written to {@code <file>.sig}. */
    public byte[] signFile(Path file) throws IOException, SignatureException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new SignatureException(Reason.MISSING_FILE, "no regular file " + file);
        }
        return sign(file.getFileName().toString(), Map.of(".", ModelFiles.sha256(file)), List.of());
    }

    /** Signs a directory as the reference tool does: every file but the ignored ones (and its git paths and model.sig). */
    public byte[] signDirectory(Path dir, Collection<String> ignore) throws IOException, SignatureException {
        List<String> ignored = new ArrayList<>(ignore);
        ignored.addAll(ModelFiles.GIT_PATHS);
        ignored.add("model.sig");
        Map<String, byte[]> digests = new TreeMap<>(Statement.NAME_ORDER);
        for (Map.Entry<String, Path> f : ModelFiles.list(dir, ignored).entrySet()) {
            digests.put(f.getKey(), ModelFiles.sha256(f.getValue()));
        }
        if (digests.isEmpty()) {
            throw new SignatureException(Reason.MISSING_FILE, "no file to sign in " + dir);
        }
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return sign(name == null ? "model" : name.toString(), digests, ignored);
    }

    byte[] sign(String modelName, Map<String, byte[]> digests, List<String> ignored) throws SignatureException {
        List<Statement.Resource> resources = new ArrayList<>();
        digests.forEach((n, d) -> resources.add(new Statement.Resource(n, d)));
        resources.sort((a, b) -> Statement.NAME_ORDER.compare(a.name(), b.name()));
        var json = SignatureBundle.json();
        ObjectNode st = json.createObjectNode();
        st.put("_type", Statement.TYPE);
        ObjectNode subject = st.putArray("subject").addObject();
        subject.put("name", modelName);
        subject.putObject("digest").put("sha256", HexFormat.of().formatHex(Statement.rootOf(resources)));
        st.put("predicateType", Statement.PREDICATE_TYPE);
        ObjectNode predicate = st.putObject("predicate");
        ObjectNode ser = predicate.putObject("serialization");
        ser.put("method", "files");
        ser.put("hash_type", "sha256");
        ser.put("allow_symlinks", false);
        ArrayNode ign = ser.putArray("ignore_paths");
        ignored.forEach(ign::add);
        ArrayNode res = predicate.putArray("resources");
        for (Statement.Resource r : resources) {
            res.addObject().put("algorithm", "sha256").put("digest", r.hex()).put("name", r.name());
        }
        byte[] payload;
        try {
            payload = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(st);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
        byte[] sig;
        try {
            sig = rawSign(SignatureBundle.pae(SignatureBundle.PAYLOAD_TYPE, payload));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot sign with " + curve.jca, e);
        }
        ObjectNode bundle = json.createObjectNode();
        bundle.put("mediaType", SignatureBundle.MEDIA_TYPE);
        ObjectNode vm = bundle.putObject("verificationMaterial");
        vm.putObject("publicKey").put("hint", keyHint());
        vm.putArray("tlogEntries");
        ObjectNode env = bundle.putObject("dsseEnvelope");
        env.put("payload", Base64.getEncoder().encodeToString(payload));
        env.put("payloadType", SignatureBundle.PAYLOAD_TYPE);
        env.putArray("signatures").addObject().put("sig", Base64.getEncoder().encodeToString(sig)).put("keyid", "");
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(bundle);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }

    private byte[] rawSign(byte[] data) throws GeneralSecurityException {
        Signature s = Signature.getInstance(curve.jca);
        s.initSign(privateKey);
        s.update(data);
        return s.sign();
    }
}
