package dev.hotserve.spring.autoconfigure;

import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.signing.SignatureException;
import dev.hotserve.signing.SignatureMode;
import dev.hotserve.signing.TrustedKeys;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.util.ClassUtils;
import org.springframework.validation.Errors;

/**
 * The checks the server's config loader makes on a model entry, made on the bound properties:
 * each refusal is rejected on the field that holds the value, so Spring's failure analysis prints
 * the property ({@code hotserve.models.sac.threads}), the value and why. Values
 * Spring cannot convert at all (a word where a number belongs) never get here: the binder refuses
 * them first, with the same kind of report. Fields are named as their properties
 * ({@code models.sac.poll-interval}): Spring prints that name, the value and the reason.
 */
final class HotservePropertiesValidator {

    /** The server's rule (one URL path segment, one file name), which also makes a usable bean name. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    static final String S3_SOURCE_CLASS = "dev.hotserve.source.s3.S3CheckpointSource";

    private HotservePropertiesValidator() {}

    static void validate(HotserveProperties properties, Errors errors) {
        for (Map.Entry<String, HotserveProperties.Model> e : properties.getModels().entrySet()) {
            String name = e.getKey();
            // Named as the property the user wrote, which is how Spring's report then shows it.
            String at = name.contains(".") ? "models[" + name + "]" : "models." + name;
            if (!NAME.matcher(name).matches() || name.contains("..")) {
                errors.reject("hotserve.name", "hotserve.models." + name + ": a model name must be 1 to 64 letters, digits, '_', '.' or '-',"
                        + " start with a letter or digit and contain no '..'");
                continue;
            }
            model(e.getValue(), at, errors);
        }
    }

    private static void model(HotserveProperties.Model m, String at, Errors errors) {
        if (m.getPath() != null && m.getDir() != null) {
            errors.rejectValue(at + ".dir", "hotserve.source", "give either path or dir, not both (path is " + m.getPath() + ")");
        }
        if (m.getSource() != null) {
            if (m.getPath() != null || m.getDir() != null) {
                errors.rejectValue(at + ".source", "hotserve.source",
                        "give either source or " + (m.getPath() != null ? "path" : "dir") + ", not both");
            } else if (!ClassUtils.isPresent(S3_SOURCE_CLASS, HotservePropertiesValidator.class.getClassLoader())) {
                errors.rejectValue(at + ".source", "hotserve.source",
                        "an s3:// source needs dev.hotserve:hotserve-source-s3 on the class path");
            } else {
                S3Sources.check(m, at, errors);
            }
        }
        if (m.getGlob() == null || m.getGlob().isBlank()) {
            errors.rejectValue(at + ".glob", "hotserve.glob", "must not be blank");
        } else {
            try {
                FileSystems.getDefault().getPathMatcher("glob:" + m.getGlob());
            } catch (IllegalArgumentException ex) {
                errors.rejectValue(at + ".glob", "hotserve.glob", "is not a valid glob: " + ex.getMessage());
            }
        }
        if (m.getReloadMode() == null) {
            errors.rejectValue(at + ".reload-mode", "hotserve.required", "must be blocking or background");
        }
        if (m.getThreads() < 1 || m.getThreads() > 1024) {
            errors.rejectValue(at + ".threads", "hotserve.range", "must be an integer 1-1024");
        }
        if (m.getWarmLoads() < 0 || m.getWarmLoads() > 1000) {
            errors.rejectValue(at + ".warm-loads", "hotserve.range", "must be an integer 0-1000");
        }
        if (m.getStateDim() != null && m.getStateDim() < 1) {
            errors.rejectValue(at + ".state-dim", "hotserve.range", "must be a positive integer (or unset: any width)");
        }
        if (m.getMaxBatchSize() < 0) {
            errors.rejectValue(at + ".max-batch-size", "hotserve.range", "must be 0 (no dynamic batching) or more");
        }
        if (m.getCacheKeep() < 1 || m.getCacheKeep() > 1000) {
            errors.rejectValue(at + ".cache-keep", "hotserve.range", "must be an integer 1-1000");
        }
        notNegative(m.getPollInterval(), at + ".poll-interval", errors);
        notNegative(m.getSettleWindow(), at + ".settle-window", errors);
        notNegative(m.getMaxQueueDelay(), at + ".max-queue-delay", errors);
        signatures(m, at, errors);
        rollout(m.getRollout(), at + ".rollout", errors);
    }

    private static void signatures(HotserveProperties.Model m, String at, Errors errors) {
        if (m.getSignatures() == null) {
            errors.rejectValue(at + ".signatures", "hotserve.required", "must be off, warn or enforce");
            return;
        }
        if (!m.getTrustedKeys().isEmpty()) {
            try {
                TrustedKeys.load(m.getTrustedKeys());
            } catch (IOException | SignatureException e) {
                errors.rejectValue(at + ".trusted-keys", "hotserve.keys", "cannot read a trusted key: " + e.getMessage());
            }
        } else if (m.getSignatures() == SignatureMode.ENFORCE) {
            errors.rejectValue(at + ".signatures", "hotserve.keys",
                    "enforce needs trusted keys: set trusted-keys to PEM files of public keys or CA certificates");
        }
    }

    private static void rollout(HotserveProperties.Rollout r, String at, Errors errors) {
        if (r.getMode() == null) {
            errors.rejectValue(at + ".mode", "hotserve.required", "must be immediate, shadow or canary");
            return;
        }
        if (r.getShadowSamples() < 0) {
            errors.rejectValue(at + ".shadow-samples", "hotserve.range", "must not be negative");
        } else if (r.getMode() == RolloutPolicy.Mode.SHADOW && r.getShadowSamples() == 0) {
            errors.rejectValue(at + ".shadow-samples", "hotserve.range", "rollout mode shadow needs shadow-samples > 0 (or use canary)");
        }
        if (!(r.getMaxDrift() >= 0)) {
            errors.rejectValue(at + ".max-drift", "hotserve.range", "must be a number >= 0");
        }
        if (!(r.getShadowFraction() > 0 && r.getShadowFraction() <= 1)) {
            errors.rejectValue(at + ".shadow-fraction", "hotserve.range", "must be in (0, 1]");
        }
        if (!(r.getCanaryFraction() > 0 && r.getCanaryFraction() <= 1)) {
            errors.rejectValue(at + ".canary-fraction", "hotserve.range", "must be in (0, 1]");
        }
        notNegative(r.getCanaryDuration(), at + ".canary-duration", errors);
        notNegative(r.getGuardDuration(), at + ".guard-duration", errors);
    }

    private static void notNegative(Duration d, String field, Errors errors) {
        if (d != null && d.isNegative()) {
            errors.rejectValue(field, "hotserve.range", "must not be negative");
        }
    }
}
