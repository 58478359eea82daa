package dev.hotserve.signing;

import dev.hotserve.signing.SignatureException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an operator trusts (README, "Signed checkpoints"): EC public keys (key method) and CA certificates (certificate
 * method), read from PEM files. Immutable.
 */
public final class TrustedKeys {

    private final Map<String, ECPublicKey> keysByHint;
    private final List<X509Certificate> authorities;

    private TrustedKeys(Map<String, ECPublicKey> keysByHint, List<X509Certificate> authorities) {
        this.keysByHint = Map.copyOf(keysByHint);
        this.authorities = List.copyOf(authorities);
    }

    public static TrustedKeys none() {
        return new TrustedKeys(Map.of(), List.of());
    }

    /** Every {@code PUBLIC KEY} and {@code CERTIFICATE} block of these PEM files; a file with neither is refused. */
    public static TrustedKeys load(Collection<Path> pemFiles) throws IOException, SignatureException {
        StringBuilder all = new StringBuilder();
        for (Path p : pemFiles) {
            String text = readPem(p);
            TrustedKeys one = fromPem(text);
            if (one.isEmpty()) {
                throw new SignatureException(Reason.MALFORMED_KEY, p + " holds no PUBLIC KEY or CERTIFICATE block");
            }
            all.append(text).append('\n');
        }
        return fromPem(all.toString());
    }

    /** The blocks of one PEM text; other block types are skipped. */
    public static TrustedKeys fromPem(String pem) throws SignatureException {
        Map<String, ECPublicKey> keys = new LinkedHashMap<>();
        List<X509Certificate> cas = new ArrayList<>();
        for (Pem.Block b : Pem.blocks(pem)) {
            switch (b.type()) {
                case "PUBLIC KEY" -> {
                    ECPublicKey k = Pem.publicKey(b.der());
                    keys.put(Pem.hint(k), k);
                }
                case "CERTIFICATE" -> cas.add(Pem.certificate(b.der()));
                default -> { }
            }
        }
        return new TrustedKeys(keys, cas);
    }

    static String readPem(Path p) throws IOException, SignatureException {
        // Read with a bound, not by the size the file system reports: a device or a pipe reports 0.
        byte[] bytes;
        try (InputStream in = Files.newInputStream(p)) {
            bytes = in.readNBytes(Pem.MAX_PEM_BYTES + 1);
        }
        if (bytes.length > Pem.MAX_PEM_BYTES) {
            throw new SignatureException(Reason.MALFORMED_KEY, p + " is over " + Pem.MAX_PEM_BYTES + " bytes; a PEM file is at most "
                    + Pem.MAX_PEM_BYTES);
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    public boolean isEmpty() {
        return keysByHint.isEmpty() && authorities.isEmpty();
    }

    /** The hints (hex sha256 of the PEM) of the trusted public keys. */
    public Set<String> keyHints() {
        return keysByHint.keySet();
    }

    public List<X509Certificate> authorities() {
        return authorities;
    }

    ECPublicKey keyByHint(String hint) {
        return keysByHint.get(hint);
    }

    Set<TrustAnchor> anchors() {
        Set<TrustAnchor> out = new java.util.HashSet<>();
        for (X509Certificate c : authorities) {
            out.add(new TrustAnchor(c, null));
        }
        return out;
    }

    /** The same public keys, no CA certificate. */
    public TrustedKeys withoutAuthorities() {
        return new TrustedKeys(keysByHint, List.of());
    }

    /** Both sets together. */
    public TrustedKeys and(TrustedKeys other) {
        Map<String, ECPublicKey> keys = new LinkedHashMap<>(keysByHint);
        keys.putAll(other.keysByHint);
        List<X509Certificate> cas = new ArrayList<>(authorities);
        cas.addAll(other.authorities);
        return new TrustedKeys(keys, cas);
    }

    @Override
    public String toString() {
        return "TrustedKeys[" + keysByHint.size() + " keys, " + authorities.size() + " CA certificates]";
    }
}
