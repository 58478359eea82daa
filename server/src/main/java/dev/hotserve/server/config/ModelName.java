package dev.hotserve.server.config;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one rule for a model's name, applied wherever a name enters: the config file and the
 * command line (start-up fails naming it), the repository API (400) and the routes (404, without
 * touching the disk). A valid name is one URL path segment and one file name: 1–64 of
 * {@code [A-Za-z0-9_.-]}, starting with a letter or digit, with no {@code ..}, and not a name the
 * server's own routes take.
 */
public final class ModelName {

    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Set<String> RESERVED = Set.of("metrics", "v2", "ui");

    private ModelName() {}

    /** Whether {@code name} may name a model; never throws, whatever the string. */
    public static boolean isValid(String name) {
        return name != null && name.length() <= 64 && SHAPE.matcher(name).matches() && !name.contains("..") && !RESERVED.contains(name);
    }

    /** Why {@code name} is refused, with the name shown safely (control characters as {@code ?}, cut at 80). */
    public static String refusal(String name) {
        return "a model name must be 1 to 64 letters, digits, '_', '.' or '-', start with a letter or digit, contain no '..'"
                + " and not be 'metrics', 'v2' or 'ui'; was '" + shown(name) + "'";
    }

    /** {@code name} as safe text for a message or a log line. */
    public static String shown(String name) {
        if (name == null) {
            return "null";
        }
        String cut = name.length() > 80 ? name.substring(0, 80) + "..." : name;
        return cut.replaceAll("[\\p{Cntrl}\\u2028\\u2029]", "?");
    }
}
