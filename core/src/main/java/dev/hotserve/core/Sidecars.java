package dev.hotserve.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotserve.core.CheckpointLoading.Refused;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * The two sidecars a checkpoint may have, parsed from their text: {@code <file>.sha256} (the
 * {@code sha256sum} format) and {@code <file>.json} (its input width, its policy head and a golden
 * check). Whoever writes the checkpoint writes these, so any text is either a value or a
 * {@link Refused} naming the file, never another exception (their fuzz tests hold them to that).
 */
final class Sidecars {

    /** Jackson's default limits apply (nesting depth 1,000, number length 1,000): a hostile sidecar is refused, not followed. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private Sidecars() {}

    /** What {@code <file>.json} may say. */
    record Json(OptionalInt stateDim, String head, float[][] goldenInputs, float[][] goldenOutputs, double atol) {
        static final Json NONE = new Json(OptionalInt.empty(), null, null, null, 0);
    }

    /** The digest a {@code .sha256} sidecar at {@code p} declares: its first word, 64 hex digits. */
    static String sha256(Path p, String text) throws Refused {
        String first = text.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        if (!first.matches("[0-9a-f]{64}")) {
            throw new Refused(p + " is not in sha256sum format (a 64-digit hex digest, optionally followed by the name): '"
                    + abbreviate(text.strip()) + "'");
        }
        return first;
    }

    /** What a {@code .json} sidecar at {@code p} says. */
    static Json json(Path p, String text) throws Refused {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Refused(p + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new Refused(p + " must hold a JSON object");
        }
        OptionalInt stateDim = OptionalInt.empty();
        JsonNode sd = root.get("state_dim");
        if (sd != null && !sd.isNull()) {
            if (!sd.isIntegralNumber() || !sd.canConvertToInt() || sd.asInt() <= 0) {
                throw new Refused(p + ": state_dim must be a positive integer, was " + sd);
            }
            stateDim = OptionalInt.of(sd.asInt());
        }
        String head = null;
        JsonNode h = root.get("head");
        if (h != null && !h.isNull()) {
            if (!h.isTextual()) {
                throw new Refused(p + ": head must be \"sac\" or \"identity\", was " + h);
            }
            head = h.asText();
        }
        JsonNode g = root.get("golden");
        if (g == null || g.isNull()) {
            return new Json(stateDim, head, null, null, 0);
        }
        float[][] inputs = matrix(p, g, "inputs");
        float[][] outputs = matrix(p, g, "outputs");
        if (inputs.length != outputs.length || inputs.length == 0) {
            throw new Refused(p + ": golden needs as many outputs as inputs (at least one), has " + inputs.length + " inputs and "
                    + outputs.length + " outputs");
        }
        double atol = 1e-5;
        JsonNode a = g.get("atol");
        if (a != null && !a.isNull()) {
            if (!a.isNumber() || !(a.asDouble() >= 0)) {
                throw new Refused(p + ": golden.atol must be a non-negative number, was " + a);
            }
            atol = a.asDouble();
        }
        return new Json(stateDim, head, inputs, outputs, atol);
    }

    private static float[][] matrix(Path p, JsonNode golden, String field) throws Refused {
        JsonNode m = golden.get(field);
        if (m == null || !m.isArray()) {
            throw new Refused(p + ": golden." + field + " must be an array of rows of numbers");
        }
        float[][] out = new float[m.size()][];
        for (int r = 0; r < m.size(); r++) {
            JsonNode row = m.get(r);
            if (!row.isArray()) {
                throw new Refused(p + ": golden." + field + "[" + r + "] must be an array of numbers, was " + abbreviate(row.toString()));
            }
            out[r] = new float[row.size()];
            for (int c = 0; c < row.size(); c++) {
                JsonNode v = row.get(c);
                if (!v.isNumber()) {
                    throw new Refused(p + ": golden." + field + "[" + r + "][" + c + "] must be a number, was " + v);
                }
                out[r][c] = (float) v.asDouble();
            }
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
