package dev.hotserve.source.s3;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotserve.source.SourceException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The content of a {@code LATEST} object: which key under the prefix serves, and optionally the
 * sha256 its bytes must have. Written by whoever publishes ({@code aws s3 cp}, boto3), so parsing
 * is strict and every refusal says what was wrong: a garbage pointer must never be taken for a key.
 *
 * @param key relative to the prefix, e.g. {@code model_2026-11-24.onnx} or {@code runs/7/model_a.onnx}
 * @param sha256 lower-case hex, when the pointer declares it
 */
record Pointer(String key, Optional<String> sha256) {

    static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** Far above any real pointer; anything bigger is not one. */
    static final int MAX_BYTES = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("key", "sha256");

    Pointer {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(sha256, "sha256");
    }

    /**
     * Parses JSON {@code {"key": "...", "sha256": "..."}} or a plain key on one line.
     *
     * @param where the pointer's URI, for messages
     */
    static Pointer parse(byte[] body, String where) throws SourceException {
        if (body.length > MAX_BYTES) {
            throw new SourceException("pointer " + where + " is " + body.length + " bytes; a pointer is a key or small JSON of at most "
                    + MAX_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString().strip();
        } catch (CharacterCodingException e) {
            throw new SourceException("pointer " + where + " is not UTF-8 text", e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1).strip();
        }
        if (text.isEmpty()) {
            throw new SourceException("pointer " + where + " is empty; it must hold a key or JSON {\"key\": ..., \"sha256\": ...}");
        }
        if (text.startsWith("{")) {
            return parseJson(text, where);
        }
        return new Pointer(checkKey(text, where), Optional.empty());
    }

    private static Pointer parseJson(String text, String where) throws SourceException {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SourceException("pointer " + where + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SourceException("pointer " + where + " must be a JSON object {\"key\": ..., \"sha256\": ...}");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new SourceException("pointer " + where + " has an unknown field '" + f + "' (known: key, sha256)");
            }
        }
        JsonNode key = root.get("key");
        if (key == null || !key.isTextual()) {
            throw new SourceException("pointer " + where + " needs a string field \"key\", was " + (key == null ? "missing" : key));
        }
        JsonNode sha = root.get("sha256");
        Optional<String> digest = Optional.empty();
        if (sha != null && !sha.isNull()) {
            String s = sha.isTextual() ? sha.asText().strip().toLowerCase(Locale.ROOT) : "";
            if (!SHA256.matcher(s).matches()) {
                throw new SourceException("pointer " + where + ": sha256 must be 64 hex digits, was " + sha);
            }
            digest = Optional.of(s);
        }
        return new Pointer(checkKey(key.asText().strip(), where), digest);
    }

    /** A relative key: no leading slash, no {@code .} or {@code ..} segments, no control characters, one line. */
    static String checkKey(String key, String where) throws SourceException {
        // S3's own limit on a key is 1,024 bytes of UTF-8, not characters.
        boolean bad = key.isEmpty() || key.startsWith("/") || key.endsWith("/") || key.length() > 1024
                || key.getBytes(StandardCharsets.UTF_8).length > 1024;
        for (int i = 0; !bad && i < key.length(); i++) {
            bad = Character.isISOControl(key.charAt(i));
        }
        for (String segment : key.split("/", -1)) {
            bad |= segment.isEmpty() || segment.equals(".") || segment.equals("..");
        }
        if (bad) {
            String shown = key.length() > 80 ? key.substring(0, 80) + "..." : key;
            throw new SourceException("pointer " + where + " must name one key relative to its prefix (no '/' at either end, no '..',"
                    + " one line), was '" + shown.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return key;
    }
}
