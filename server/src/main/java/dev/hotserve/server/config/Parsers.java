package dev.hotserve.server.config;

import dev.hotserve.core.ReloadMode;
import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.signing.SignatureException;
import dev.hotserve.signing.SignatureMode;
import dev.hotserve.signing.TrustedKeys;
import dev.hotserve.source.s3.S3Location;
import dev.hotserve.source.s3.S3SourceSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One parser per kind of value; every refusal names the value's origin and shows the value (a key excepted). */
final class Parsers {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");
    private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)");

    private Parsers() {}

    static final Parser<String> TRIMMED = v -> v.raw().trim();
    static final Parser<Path> PATH = Value::path;

    static final Parser<String> HOST = v -> {
        String host = v.raw().trim();
        if (host.isEmpty()) {
            throw new ConfigException(v.origin() + " must not be empty");
        }
        return host;
    };

    static final Parser<String> MODEL_NAME = v -> {
        String name = v.raw().trim();
        if (!ModelName.isValid(name)) {
            throw new ConfigException(v.origin() + ": " + ModelName.refusal(name));
        }
        return name;
    };

    static final Parser<String> KEY = v -> {
        if (v.raw().isBlank() || !v.raw().equals(v.raw().strip())) {
            // The key itself is never echoed back: it is a secret.
            throw new ConfigException(v.origin() + " must be a non-empty key without surrounding white space");
        }
        return v.raw();
    };

    static Parser<Integer> integer(int min, int max) {
        return v -> {
            try {
                int n = Integer.parseInt(v.raw().trim());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
            throw new ConfigException(v.origin() + " must be an integer " + min + "-" + max + ", was '" + v.raw() + "'");
        };
    }

    static Parser<Double> number(double min, double max) {
        return v -> {
            try {
                double d = Double.parseDouble(v.raw().trim());
                if (d >= min && d <= max) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
            throw new ConfigException(v.origin() + " must be a number " + min + "-" + (max == Double.MAX_VALUE ? "" : String.valueOf(max))
                    + ", was '" + v.raw() + "'");
        };
    }

    static final Parser<Boolean> BOOL = v -> switch (v.raw().trim().toLowerCase(Locale.ROOT)) {
        case "1", "true", "yes", "on" -> true;
        case "0", "false", "no", "off" -> false;
        default -> throw new ConfigException(v.origin() + " must be 1 or 0 (true/false), was '" + v.raw() + "'");
    };

    static final Parser<ReloadMode> RELOAD_MODE = v -> switch (v.raw().trim().toLowerCase(Locale.ROOT)) {
        case "blocking" -> ReloadMode.BLOCKING;
        case "background" -> ReloadMode.BACKGROUND;
        default -> throw new ConfigException(v.origin() + " must be 'blocking' or 'background', was '" + v.raw() + "'");
    };

    static final Parser<RolloutPolicy.Mode> ROLLOUT_MODE = v -> switch (v.raw().trim().toLowerCase(Locale.ROOT)) {
        case "immediate" -> RolloutPolicy.Mode.IMMEDIATE;
        case "shadow" -> RolloutPolicy.Mode.SHADOW;
        case "canary" -> RolloutPolicy.Mode.CANARY;
        default -> throw new ConfigException(v.origin() + " must be 'immediate', 'shadow' or 'canary', was '" + v.raw() + "'");
    };

    static final Parser<SignatureMode> SIGNATURES = v -> {
        try {
            return SignatureMode.parse(v.raw());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(v.origin() + " must be off, warn or enforce, was '" + v.raw() + "'", e);
        }
    };

    /** "0" (off), "500ms", "5s", "2m", "1h", "1.5s", or ISO-8601 such as "PT5S". */
    static final Parser<Duration> DURATION_VALUE = v -> {
        String s = v.raw().trim().toLowerCase(Locale.ROOT);
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(s);
        if (m.matches()) {
            double n = Double.parseDouble(m.group(1));
            double millis = switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1_000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
            };
            return Duration.ofNanos(Math.round(millis * 1_000_000));
        }
        if (s.startsWith("pt")) {
            try {
                Duration d = Duration.parse(s.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return d;
                }
            } catch (DateTimeParseException e) {
                // fall through to the message below
            }
        }
        throw new ConfigException(v.origin() + " must be a duration such as 500ms, 5s, 2m or 0 (off), was '" + v.raw() + "'");
    };

    /** A keep-alive connection closed sooner than this would be closed under a client between two requests. */
    static final Parser<Duration> IDLE_TIMEOUT = v -> {
        Duration d = DURATION_VALUE.parse(v);
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException(v.origin() + " must be at least 1s, was " + d.toMillis() + "ms");
        }
        return d;
    };

    /** A byte count, optionally with a binary unit: "8388608", "512KiB", "8MiB", "8m". */
    static final Parser<Long> BYTES_VALUE = v -> {
        Matcher m = BYTES.matcher(v.raw().trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                long unit = switch (m.group(2)) {
                    case "", "b" -> 1L;
                    case "k", "kb", "kib" -> 1L << 10;
                    case "m", "mb", "mib" -> 1L << 20;
                    default -> 1L << 30;
                };
                long bytes = Math.multiplyExact(n, unit);
                if (bytes >= 1 && bytes <= (1L << 31)) {
                    return bytes;
                }
            } catch (ArithmeticException | NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new ConfigException(v.origin() + " must be a size from 1 byte to 2GiB such as 8388608 or 8MiB, was '" + v.raw() + "'");
    };

    /** A repository load body is a config entry: a few hundred bytes, never megabytes. */
    static final Parser<Integer> LOAD_BODY_BYTES = v -> {
        long n = BYTES_VALUE.parse(v);
        if (n > 64L << 20) {
            throw new ConfigException(v.origin() + " must be at most 64MiB (a load request carries one config entry), was '" + v.raw() + "'");
        }
        return (int) n;
    };

    /** "off" (no gRPC server), or a port 0-65535 (0: any free one). */
    static final Parser<OptionalInt> GRPC_PORT = v -> {
        if (v.raw().trim().equalsIgnoreCase("off")) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(integer(0, 65535).parse(v));
        } catch (ConfigException e) {
            throw new ConfigException(v.origin() + " must be a port 0-65535 or 'off', was '" + v.raw() + "'", e);
        }
    };

    static final Parser<URI> S3_ENDPOINT = v -> {
        try {
            return S3SourceSettings.checkEndpoint(new URI(v.raw().trim()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new ConfigException(v.origin() + ": an S3 endpoint must be an http:// or https:// URL with a host, was '" + v.raw() + "'", e);
        }
    };

    static final Parser<S3Location> S3_LOCATION = v -> {
        try {
            return S3Location.parse(v.raw());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(v.origin() + ": " + e.getMessage(), e);
        }
    };

    /** Comma-separated PEM files (public keys or CA certificates), each read now so that a bad one stops start-up. */
    static final Parser<List<Path>> TRUSTED_KEYS = v -> {
        List<Path> out = new ArrayList<>();
        for (String part : v.raw().split(",")) {
            if (!part.isBlank()) {
                out.add(v.path(part));
            }
        }
        try {
            TrustedKeys.load(out);
        } catch (IOException | SignatureException e) {
            throw new ConfigException(v.origin() + ": cannot read a trusted key: " + e.getMessage(), e);
        }
        return List.copyOf(out);
    };
}
