package dev.hotserve.signing;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The in-toto statement of an OMS signature: the model's name, the root digest (sha256 over the
 * resources' digests, concatenated in name order) and one {@code {name, algorithm, digest}} per file.
 */
record Statement(String subjectName, byte[] rootDigest, List<Resource> resources) {

    static final String TYPE = "https://in-toto.io/Statement/v1";
    static final String PREDICATE_TYPE = "https://model_signing/signature/v1.0";

    /** One signed file; the name is relative to the model, {@code /}-separated; {@code .} is the model file itself. */
    public record Resource(String name, byte[] sha256) {
        public Resource {
            sha256 = sha256.clone();
        }

        @Override
        public byte[] sha256() {
            return sha256.clone();
        }

        public String hex() {
            return HexFormat.of().formatHex(sha256);
        }
    }

    public Statement {
        rootDigest = rootDigest.clone();
        resources = List.copyOf(resources);
    }

    /** Names in the reference tool's order: Python's string sort, by code point. */
    static final Comparator<String> NAME_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    static byte[] rootOf(List<Resource> resources) {
        List<Resource> sorted = new ArrayList<>(resources);
        sorted.sort(Comparator.comparing(Resource::name, NAME_ORDER));
        MessageDigest md = Pem.sha256();
        for (Resource r : sorted) {
            md.update(r.sha256);
        }
        return md.digest();
    }

    /** Reads a verified payload; any malformation is {@code MALFORMED_BUNDLE}. */
    static Statement parse(byte[] payload) throws SignatureException {
        try {
            JsonNode st = SignatureBundle.json().readTree(payload);
            if (st == null || !st.isObject()) {
                throw SignatureBundle.malformed("the statement is not a JSON object");
            }
            String type = SignatureBundle.text(st, "_type");
            if (!TYPE.equals(type)) {
                throw SignatureBundle.malformed("statement type " + SignatureBundle.quote(type) + ", expected " + TYPE);
            }
            String pt = SignatureBundle.text(st, "predicateType");
            if (!PREDICATE_TYPE.equals(pt)) {
                throw SignatureBundle.malformed("predicate type " + SignatureBundle.quote(pt) + ", expected " + PREDICATE_TYPE);
            }
            JsonNode subjects = st.get("subject");
            if (subjects == null || !subjects.isArray() || subjects.size() != 1 || !subjects.get(0).isObject()) {
                throw SignatureBundle.malformed("the statement must have exactly one subject");
            }
            JsonNode subject = subjects.get(0);
            String name = SignatureBundle.text(subject, "name");
            byte[] root = hex(SignatureBundle.text(SignatureBundle.object(subject, "digest"), "sha256"), "the subject's sha256");
            JsonNode predicate = SignatureBundle.object(st, "predicate");
            JsonNode ser = SignatureBundle.object(predicate, "serialization");
            String method = SignatureBundle.text(ser, "method");
            if (!"files".equals(method)) {
                throw SignatureBundle.malformed("serialization method " + SignatureBundle.quote(method) + "; only \"files\" is supported");
            }
            String hashType = SignatureBundle.text(ser, "hash_type");
            if (!"sha256".equals(hashType)) {
                throw SignatureBundle.malformed("hash type " + SignatureBundle.quote(hashType) + "; only sha256 is supported");
            }
            JsonNode res = predicate.get("resources");
            if (res == null || !res.isArray() || res.isEmpty()) {
                throw SignatureBundle.malformed("the statement lists no resources");
            }
            List<Resource> resources = new ArrayList<>(res.size());
            Set<String> names = new HashSet<>();
            for (JsonNode r : res) {
                if (!r.isObject()) {
                    throw SignatureBundle.malformed("a resource is not an object");
                }
                String alg = SignatureBundle.text(r, "algorithm");
                if (!"sha256".equals(alg)) {
                    throw SignatureBundle.malformed("resource algorithm " + SignatureBundle.quote(alg) + "; only sha256 is supported");
                }
                String rn = checkName(SignatureBundle.text(r, "name"));
                if (!names.add(rn)) {
                    throw SignatureBundle.malformed("resource " + SignatureBundle.quote(rn) + " is listed twice");
                }
                resources.add(new Resource(rn, hex(SignatureBundle.text(r, "digest"), "a resource digest")));
            }
            if (names.contains(".") && resources.size() != 1) {
                throw SignatureBundle.malformed("a resource named \".\" (the model file itself) must be the only one");
            }
            if (!MessageDigest.isEqual(root, rootOf(resources))) {
                throw SignatureBundle.malformed("the subject's digest is not the digest of the resources");
            }
            return new Statement(name, root, resources);
        } catch (SignatureException e) {
            throw e;
        } catch (java.io.IOException | RuntimeException e) {
            throw SignatureBundle.malformed("the statement is not valid JSON (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** SECURITY.md: relative, no {@code ..} segment, no leading {@code /}, no control characters, at most 1,024 bytes. */
    static String checkName(String n) throws SignatureException {
        if (n.equals(".")) {
            return n;
        }
        boolean ok = !n.isEmpty() && n.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 1024 && !n.startsWith("/")
                && n.chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == '\\');
        if (ok) {
            for (String seg : n.split("/", -1)) {
                if (seg.isEmpty() || seg.equals("..") || seg.equals(".")) {
                    ok = false;
                    break;
                }
            }
        }
        if (!ok) {
            throw SignatureBundle.malformed("resource name " + SignatureBundle.quote(n) + " is not a plain relative path");
        }
        return n;
    }

    private static byte[] hex(String s, String what) throws SignatureException {
        if (!s.matches("[0-9a-fA-F]{64}")) {
            throw SignatureBundle.malformed(what + " is not a hex sha256");
        }
        return HexFormat.of().parseHex(s.toLowerCase(java.util.Locale.ROOT));
    }
}
