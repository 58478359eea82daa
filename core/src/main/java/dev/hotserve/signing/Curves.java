package dev.hotserve.signing;

import dev.hotserve.signing.SignatureException.Reason;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.interfaces.ECKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;

/** The three curves of the key method and the digest each signs with (P-256: SHA-256, P-384: SHA-384, P-521: SHA-512). */
enum Curves {
    P256("secp256r1", "SHA256withECDSA", "1.2.840.10045.3.1.7", "PKIX_ECDSA_P256_SHA_256"),
    P384("secp384r1", "SHA384withECDSA", "1.3.132.0.34", "PKIX_ECDSA_P384_SHA_384"),
    P521("secp521r1", "SHA512withECDSA", "1.3.132.0.35", "PKIX_ECDSA_P521_SHA_512");

    final String jcaName;
    final String jca;
    final String oid;
    final String keyDetails;
    final ECParameterSpec params;

    Curves(String jcaName, String jca, String oid, String keyDetails) {
        this.jcaName = jcaName;
        this.jca = jca;
        this.oid = oid;
        this.keyDetails = keyDetails;
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec(jcaName));
            this.params = p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks curve " + jcaName, e);
        }
    }

    static Curves of(ECKey key) throws SignatureException {
        ECParameterSpec k = key.getParams();
        for (Curves c : values()) {
            if (c.params.getCurve().equals(k.getCurve()) && c.params.getGenerator().equals(k.getGenerator())
                    && c.params.getOrder().equals(k.getOrder())) {
                return c;
            }
        }
        throw new SignatureException(Reason.MALFORMED_KEY, "an EC key on a curve other than P-256, P-384 and P-521");
    }

    static Curves ofOid(String oid) throws SignatureException {
        for (Curves c : values()) {
            if (c.oid.equals(oid)) {
                return c;
            }
        }
        throw new SignatureException(Reason.MALFORMED_KEY, "an EC key on curve " + oid + "; only P-256, P-384 and P-521 are supported");
    }
}
