package dev.hotserve.signing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotserve.signing.SignatureException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A parsed OMS signature: a Sigstore bundle ({@code application/vnd.dev.sigstore.bundle...}) holding one
 * DSSE envelope over an in-toto statement, and what identifies the signer (a key hint, a raw key, or a
 * certificate chain). Only the envelope is parsed here; the statement is read by {@link Statement#parse}
 * after the signature over it verified. The size is checked before anything is read.
 */
public final class SignatureBundle {

    /** A bundle is at most 8 MiB (its statement lists one digest per file: about 60,000 files). */
    public static final int MAX_BUNDLE_BYTES = 8 << 20;

    static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";
    static final String MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

    /** How the bundle names its signer. */
    public sealed interface Material {}

    /** The key method as {@code model_signing} 1.1 writes it: the sha256 hex of the public key's PEM. */
    public record KeyHint(String hint) implements Material {}

    /** The key method as {@code model_signing} 1.0 writes it: the public key itself (trusted only if it is a trusted key). */
    public record RawKey(ECPublicKey key) implements Material {}

    /** The certificate method: the signing certificate first, then intermediates. */
    public record Chain(List<X509Certificate> certificates) implements Material {
        public Chain {
            certificates = List.copyOf(certificates);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(32)
                    .maxStringLength(MAX_BUNDLE_BYTES)
                    .maxNumberLength(32)
                    .build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private final String payloadType;
    private final byte[] payload;
    private final byte[] signature;
    private final Material material;
    private final byte[] sha256;

    private SignatureBundle(String payloadType, byte[] payload, byte[] signature, Material material, byte[] sha256) {
        this.payloadType = payloadType;
        this.payload = payload;
        this.signature = signature;
        this.material = material;
        this.sha256 = sha256;
    }

    static ObjectMapper json() {
        return JSON;
    }

    /** Reads and parses a bundle file; a missing file is {@link Reason#UNSIGNED}, a symlink or one too big is malformed. */
    public static SignatureBundle read(Path file) throws IOException, SignatureException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new SignatureException(Reason.UNSIGNED, "no signature " + file.getFileName());
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new SignatureException(Reason.MALFORMED_BUNDLE, file.getFileName() + " is not a regular file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_BUNDLE_BYTES + 1);
            if (bytes.length > MAX_BUNDLE_BYTES) {
                throw new SignatureException(Reason.MALFORMED_BUNDLE, file.getFileName() + " is over " + MAX_BUNDLE_BYTES + " bytes");
            }
            return parse(bytes);
        } catch (NoSuchFileException e) {
            throw new SignatureException(Reason.UNSIGNED, "no signature " + file.getFileName(), e);
        }
    }

    /** Parses a bundle's bytes: any input gives a bundle or a {@link SignatureException}, nothing else. */
    public static SignatureBundle parse(byte[] bytes) throws SignatureException {
        if (bytes == null || bytes.length == 0) {
            throw malformed("the signature is empty");
        }
        if (bytes.length > MAX_BUNDLE_BYTES) {
            throw malformed("the signature is " + bytes.length + " bytes; at most " + MAX_BUNDLE_BYTES);
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            if (root == null || !root.isObject()) {
                throw malformed("not a JSON object");
            }
            String mediaType = text(root, "mediaType");
            if (!mediaType.startsWith("application/vnd.dev.sigstore.bundle")) {
                throw malformed("media type " + quote(mediaType) + " is not a Sigstore bundle");
            }
            JsonNode env = object(root, "dsseEnvelope");
            String payloadType = text(env, "payloadType");
            if (!PAYLOAD_TYPE.equals(payloadType)) {
                throw malformed("payload type " + quote(payloadType) + ", expected " + PAYLOAD_TYPE);
            }
            byte[] payload = base64(text(env, "payload"), "payload");
            JsonNode sigs = env.get("signatures");
            if (sigs == null || !sigs.isArray() || sigs.size() != 1) {
                throw malformed("the envelope must hold exactly one signature");
            }
            if (!sigs.get(0).isObject()) {
                throw malformed("signatures[0] is not an object");
            }
            byte[] sig = base64(text(sigs.get(0), "sig"), "signature");
            if (sig.length == 0 || sig.length > 256) {
                throw malformed("an ECDSA signature of " + sig.length + " bytes");
            }
            Material material = material(object(root, "verificationMaterial"));
            return new SignatureBundle(payloadType, payload, sig, material, Pem.sha256(bytes));
        } catch (SignatureException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw malformed("not valid JSON (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static Material material(JsonNode vm) throws SignatureException {
        JsonNode pk = vm.get("publicKey");
        JsonNode chain = vm.get("x509CertificateChain");
        if ((pk == null) == (chain == null)) {
            throw malformed("verificationMaterial must hold either publicKey or x509CertificateChain");
        }
        if (pk != null) {
            if (!pk.isObject()) {
                throw malformed("publicKey is not an object");
            }
            JsonNode hint = pk.get("hint");
            if (hint != null) {
                if (!hint.isTextual() || !hint.asText().matches("[0-9a-f]{64}")) {
                    throw malformed("publicKey.hint is not a hex sha256");
                }
                return new KeyHint(hint.asText());
            }
            byte[] raw = base64(text(pk, "rawBytes"), "publicKey.rawBytes");
            String pem = new String(raw, StandardCharsets.US_ASCII);
            List<Pem.Block> blocks;
            try {
                blocks = Pem.blocks(pem);
            } catch (SignatureException e) {
                throw malformed("publicKey.rawBytes is not a PEM public key", e);
            }
            byte[] der = blocks.size() == 1 && blocks.get(0).type().equals("PUBLIC KEY") ? blocks.get(0).der() : raw;
            try {
                return new RawKey(Pem.publicKey(der));
            } catch (SignatureException e) {
                throw malformed("publicKey.rawBytes is not an EC public key", e);
            }
        }
        JsonNode certs = object(vm, "x509CertificateChain").get("certificates");
        if (certs == null || !certs.isArray() || certs.isEmpty() || certs.size() > 10) {
            throw malformed("x509CertificateChain.certificates must list 1 to 10 certificates");
        }
        List<X509Certificate> out = new ArrayList<>();
        for (JsonNode c : certs) {
            if (!c.isObject()) {
                throw malformed("a certificate entry is not an object");
            }
            try {
                out.add(Pem.certificate(base64(text(c, "rawBytes"), "certificate")));
            } catch (SignatureException e) {
                throw e.reason() == Reason.MALFORMED_BUNDLE ? e : malformed("a certificate of the chain is not X.509 DER", e);
            }
        }
        return new Chain(out);
    }

    static String text(JsonNode obj, String field) throws SignatureException {
        JsonNode n = obj.get(field);
        if (n == null || !n.isTextual()) {
            throw malformed("missing text field " + field);
        }
        return n.asText();
    }

    static JsonNode object(JsonNode obj, String field) throws SignatureException {
        JsonNode n = obj.get(field);
        if (n == null || !n.isObject()) {
            throw malformed("missing object " + field);
        }
        return n;
    }

    static byte[] base64(String s, String what) throws SignatureException {
        try {
            return s.indexOf('-') >= 0 || s.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(s) : Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw malformed(what + " is not base64", e);
        }
    }

    static String quote(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder sb = new StringBuilder("\"");
        for (char c : cut.toCharArray()) {
            sb.append(c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.append('"').toString();
    }

    static SignatureException malformed(String message) {
        return new SignatureException(Reason.MALFORMED_BUNDLE, message);
    }

    static SignatureException malformed(String message, Throwable cause) {
        return new SignatureException(Reason.MALFORMED_BUNDLE, message, cause);
    }

    /** DSSE's pre-authentication encoding: {@code "DSSEv1" SP len(type) SP type SP len(body) SP body}, lengths in bytes. */
    static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("DSSEv1 " + type.length + " " + payloadType + " " + payload.length + " ").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + payload.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(payload, 0, out, head.length, payload.length);
        return out;
    }

    byte[] pae() {
        return pae(payloadType, payload);
    }

    byte[] payload() {
        return payload.clone();
    }

    byte[] signature() {
        return signature.clone();
    }

    public Material material() {
        return material;
    }

    /** The sha256 hex of the bundle's bytes: what a refusal is remembered by, with the checkpoint's fingerprint. */
    public String sha256() {
        return HexFormat.of().formatHex(sha256);
    }
}
