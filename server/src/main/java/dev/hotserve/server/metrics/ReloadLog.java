package dev.hotserve.server.metrics;

import dev.hotserve.core.ReloadEvent;
import dev.hotserve.core.ReloadKind;
import java.util.Locale;

/**
 * One structured line per reload event, {@code key=value} pairs that log tools can split:
 * {@code reload model=sac kind=loaded old=3 new=4 path=/m/model_4.onnx duration_ms=1.234 reason="..." error="..."}.
 */
final class ReloadLog {

    private static final System.Logger LOG = System.getLogger("dev.hotserve.server.reload");

    private ReloadLog() {}

    static void log(String model, ReloadEvent e) {
        // A file dated in the future hides every later checkpoint: worth an operator's attention like a refusal.
        System.Logger.Level level = e.kind() == ReloadKind.FAILED || e.kind() == ReloadKind.FUTURE_MTIME ? System.Logger.Level.WARNING
                : System.Logger.Level.INFO;
        if (LOG.isLoggable(level)) {
            LOG.log(level, line(model, e));
        }
    }

    static String line(String model, ReloadEvent e) {
        StringBuilder b = new StringBuilder(200).append("reload");
        pair(b, "model", model);
        pair(b, "kind", e.kind().name().toLowerCase(Locale.ROOT));
        pair(b, "old", Long.toString(e.oldGeneration()));
        pair(b, "new", Long.toString(e.newGeneration()));
        pair(b, "path", e.path() == null ? "-" : e.path().toString());
        pair(b, "duration_ms", String.format(Locale.ROOT, "%.3f", e.duration().toNanos() / 1e6));
        pair(b, "reason", e.reason());
        if (e.error() != null) {
            pair(b, "error", e.error());
        }
        return b.toString();
    }

    /**
     * Quotes a value holding spaces, quotes, '=' or any control character, so that each line splits
     * unambiguously and a file name or message from outside can never forge a line of its own.
     */
    private static void pair(StringBuilder b, String key, String value) {
        b.append(' ').append(key).append('=');
        if (!value.isEmpty() && value.chars().noneMatch(c -> c == ' ' || c == '"' || c == '=' || c == '\\' || Character.isISOControl(c)
                || c == '\u2028' || c == '\u2029')) {
            b.append(value);
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
