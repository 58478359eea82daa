package dev.hotserve.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.core.RolloutPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * A model's rollout policy: {@code rollout: {mode: shadow, shadow_samples: 1000, ...}} in its
 * entry (or {@code rollout: shadow}), each key overridden by its environment variable (the
 * {@link Setting.Scope#ROLLOUT} rows). The stable version is written to
 * {@code <state_dir>/<name>.<source key>.stable.json}.
 */
final class Rollouts {

    private Rollouts() {}

    static RolloutPolicy read(Sources sources, String name, ModelSource source, JsonNode entry) throws ConfigException {
        JsonNode r = entry == null ? null : entry.get("rollout");
        String where = sources.file().name() + ": model " + name + " rollout";
        if (r != null && r.isObject()) {
            Set<String> known = ConfigFile.keys(Setting.Scope.ROLLOUT);
            for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!known.contains(k)) {
                    throw new ConfigException(where + ": unknown key '" + k + "' (known: " + known + ")");
                }
            }
        } else if (r != null && !r.isNull() && !r.isTextual()) {
            throw new ConfigException(where + " must be a mode (immediate, shadow, canary) or an object of rollout keys, was " + r);
        }
        Optional<Value> modeValue = sources.rollout(Setting.ROLLOUT, r, where);
        if (modeValue.isEmpty() && r != null && r.isTextual()) {
            modeValue = Optional.of(new Value(r.asText(), where, sources.file().dir()));
        }
        RolloutPolicy.Mode mode = Setting.ROLLOUT.read(modeValue, RolloutPolicy.Mode.class);
        int samples = Setting.SHADOW_SAMPLES.read(sources.rollout(Setting.SHADOW_SAMPLES, r, where), Integer.class);
        double maxDrift = Setting.MAX_DRIFT.read(sources.rollout(Setting.MAX_DRIFT, r, where), Double.class);
        double shadowFraction = Setting.SHADOW_FRACTION.read(sources.rollout(Setting.SHADOW_FRACTION, r, where), Double.class);
        double canaryFraction = Setting.CANARY_FRACTION.read(sources.rollout(Setting.CANARY_FRACTION, r, where), Double.class);
        Duration canaryDuration = Setting.CANARY_DURATION.read(sources.rollout(Setting.CANARY_DURATION, r, where), Duration.class);
        Duration guard = Setting.GUARD_DURATION.read(sources.rollout(Setting.GUARD_DURATION, r, where), Duration.class);
        Path stateDir = Setting.STATE_DIR.read(sources.server(Setting.STATE_DIR), Path.class);
        try {
            return new RolloutPolicy(mode, samples, maxDrift, shadowFraction, canaryFraction, canaryDuration, guard,
                    mode == RolloutPolicy.Mode.IMMEDIATE ? Optional.empty() : Optional.of(stateDir.resolve(stateFileName(name, source))));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code <name>.<source key>.stable.json}: keyed by the model's name and its source, so two
     * deployments sharing a state directory, or one whose {@code dir} changed, never read each
     * other's record (the core also checks what a record names before restoring it).
     */
    static String stateFileName(String name, ModelSource source) {
        String identity = switch (source) {
            case ModelSource.File f -> "file " + f.path().toAbsolutePath().normalize();
            case ModelSource.Directory d -> "dir " + d.dir().toAbsolutePath().normalize() + " " + d.glob().orElse("");
            case ModelSource.S3 s3 -> "s3 " + s3.location() + " " + s3.endpoint().map(Object::toString).orElse("") + " " + s3.glob().orElse("");
            case ModelSource.Demo demo -> "demo";
        };
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return name + "." + HexFormat.of().formatHex(h, 0, 6) + ".stable.json";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
