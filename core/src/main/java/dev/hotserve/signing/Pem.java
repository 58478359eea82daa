package dev.hotserve.signing;

import dev.hotserve.signing.SignatureException.Reason;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM blocks in text (text around them, as certtool writes, is skipped), and the reference tool's key hint. */
final class Pem {

    /** Key and certificate files are small; a bigger one is refused before it is read. */
    static final int MAX_PEM_BYTES = 1 << 20;

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]{1,40})-----\\r?\\n([A-Za-z0-9+/=\\r\\n\\t ]{0,1048576}?)-----END \\1-----");

    record Block(String type, byte[] der) {}

    private Pem() {}

    static List<Block> blocks(String text) throws SignatureException {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new SignatureException(Reason.MALFORMED_KEY, "a PEM block of type " + m.group(1) + " is not base64", e);
            }
        }
        return out;
    }

    /** An EC public key from its SubjectPublicKeyInfo DER. */
    static ECPublicKey publicKey(byte[] spki) throws SignatureException {
        try {
            PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
            if (key instanceof ECPublicKey ec) {
                Curves.of(ec); // refuses a curve we do not sign with
                return ec;
            }
            throw new SignatureException(Reason.MALFORMED_KEY, "not an EC public key");
        } catch (InvalidKeySpecException | RuntimeException e) {
            throw new SignatureException(Reason.MALFORMED_KEY, "not an EC public key (P-256, P-384 or P-521)", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no EC key factory", e);
        }
    }

    static X509Certificate certificate(byte[] der) throws SignatureException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new SignatureException(Reason.MALFORMED_KEY, "not an X.509 certificate", e);
        }
    }

    /** The key as the reference tool writes it: PEM, SubjectPublicKeyInfo, 64-character lines, a final newline. */
    static String publicKeyPem(PublicKey key) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
    }

    /** The reference tool's public-key hint: the hex sha256 of {@link #publicKeyPem}. */
    static String hint(PublicKey key) {
        return HexFormat.of().formatHex(sha256(publicKeyPem(key).getBytes(StandardCharsets.US_ASCII)));
    }

    static byte[] sha256(byte[] bytes) {
        return sha256().digest(bytes);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
