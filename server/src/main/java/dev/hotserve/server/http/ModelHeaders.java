package dev.hotserve.server.http;

import dev.hotserve.core.ModelVersion;
import dev.hotserve.server.inference.Versions;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The response headers that name the model version that answered, on every web server that serves the routes. */
final class ModelHeaders {

    static final String GENERATION = "X-Model-Generation";
    static final String PATH = "X-Model-Path";
    static final String VERSION = "X-Model-Version";

    private ModelHeaders() {}

    /** The three headers for {@code v}, in the order the standalone server sends them. */
    static Map<String, String> of(ModelVersion v) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(GENERATION, Long.toString(v.generation()));
        h.put(PATH, headerSafe(v.path().toString()));
        h.put(VERSION, headerSafe(Versions.name(v)));
        return h;
    }

    /**
     * A header value must be visible ASCII: other characters of a path (and '%') are sent
     * percent-encoded as UTF-8, so a client can always decode it; the JSON body has the path as is.
     */
    static String headerSafe(String value) {
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c < 0x7f && c != '%';
        }
        if (plain) {
            return value;
        }
        StringBuilder b = new StringBuilder(value.length() + 16);
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }
}
