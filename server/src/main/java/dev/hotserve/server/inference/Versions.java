package dev.hotserve.server.inference;

import dev.hotserve.core.ModelVersion;
import java.util.Locale;
import java.util.Optional;

/**
 * Version names and labels (SPEC §8). A version's name is its checkpoint's file name without the
 * extension ({@code model_2026-11-24.onnx} is {@code model_2026-11-24}), the same on every replica.
 * A request may name a loaded version or a label: {@code latest} (what serves), {@code stable}
 * (what serves, until a rollout exists) and {@code candidate} (none, until a rollout exists).
 */
public final class Versions {

    public static final String LATEST = "latest";
    public static final String STABLE = "stable";
    public static final String CANDIDATE = "candidate";

    private Versions() {}

    /** The file name without its (last) extension. */
    public static String name(ModelVersion v) {
        String file = v.path().getFileName().toString();
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }

    /**
     * Checks that {@code requested} (empty: no preference) designates the serving version.
     *
     * @throws UnknownVersionException listing the loaded versions when it does not
     */
    public static void check(ServedModel model, ModelVersion serving, Optional<String> requested) {
        if (requested.isEmpty() || requested.get().isEmpty()) {
            return;
        }
        String r = requested.get();
        String name = model.text(serving).name();
        switch (r.toLowerCase(Locale.ROOT)) {
            case LATEST, STABLE -> {
                return;
            }
            case CANDIDATE -> throw new UnknownVersionException("model '" + model.name() + "' has no candidate version (no rollout is"
                    + " in progress); loaded versions: " + name + " (labels: latest, stable)");
            default -> {
                if (r.equals(name)) {
                    return;
                }
                throw new UnknownVersionException("model '" + model.name() + "' has no loaded version '" + r + "'; loaded versions: "
                        + name + " (labels: latest, stable)");
            }
        }
    }

    /** Whether {@code requested} designates {@code serving} (false for a candidate or another name). */
    public static boolean designates(ServedModel model, ModelVersion serving, Optional<String> requested) {
        try {
            check(model, serving, requested);
            return true;
        } catch (UnknownVersionException e) {
            return false;
        }
    }
}
