package dev.hotserve.server.inference;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.RolloutStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Version names and labels. A version's name is its checkpoint's file name without the
 * extension ({@code model_2026-11-24.onnx} is {@code model_2026-11-24}), the same on every replica.
 * A request may name a loaded version or a label: {@code latest} (what answers the request, the
 * canary split included), {@code stable} (the stable version, never the canary's candidate) and
 * {@code candidate} (the rollout's candidate; 404 when no rollout is under way).
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
     * A lease on the version {@code requested} designates (empty: no preference).
     *
     * @throws UnknownVersionException listing the loaded versions when none has that name
     * @throws dev.hotserve.core.NoSuchVersionException for {@code candidate} when no rollout is under way
     */
    public static Lease acquire(ServedModel model, Optional<String> requested, Optional<String> routingKey) {
        HotModel m = model.model();
        String r = requested.orElse("");
        switch (r.toLowerCase(Locale.ROOT)) {
            case "", LATEST -> {
                return m.acquire(routingKey.orElse(null));
            }
            case STABLE -> {
                return m.acquireStable();
            }
            case CANDIDATE -> {
                return m.acquireCandidate();
            }
            default -> {
                Lease lease = m.acquire(routingKey.orElse(null));
                if (r.equals(model.text(lease.version()).name())) {
                    return lease;
                }
                lease.close();
                Optional<ModelVersion> candidate = m.status().rollout().candidate();
                if (candidate.isPresent() && r.equals(name(candidate.get()))) {
                    Lease c = m.acquireCandidate();
                    if (r.equals(name(c.version()))) {
                        return c;
                    }
                    c.close();
                }
                throw unknown(model, r);
            }
        }
    }

    /**
     * Checks that {@code requested} designates a loaded version, without leasing it (readiness and
     * metadata of a model whose serving version is {@code serving}).
     */
    public static void check(ServedModel model, ModelVersion serving, Optional<String> requested) {
        String r = requested.orElse("");
        RolloutStatus rollout = model.model().status().rollout();
        switch (r.toLowerCase(Locale.ROOT)) {
            case "", LATEST, STABLE -> {
                return;
            }
            case CANDIDATE -> {
                if (rollout.candidate().isPresent()) {
                    return;
                }
                throw new UnknownVersionException("model '" + model.name() + "' has no candidate version (no rollout is in progress); "
                        + "loaded versions: " + String.join(", ", loaded(model, serving)) + " (labels: latest, stable)");
            }
            default -> {
                if (loaded(model, serving).contains(r)) {
                    return;
                }
                throw unknown(model, r);
            }
        }
    }

    /**
     * The name of the loaded version {@code requested} designates (a name or a label), without
     * leasing it: {@code latest} and {@code stable} name what serves.
     *
     * @throws UnknownVersionException listing the loaded versions when none is designated
     */
    public static String loadedName(ServedModel model, String requested) {
        ModelVersion serving = model.model().current().orElse(null);
        if (serving == null) {
            throw unknown(model, requested);
        }
        check(model, serving, Optional.of(requested));
        return switch (requested.toLowerCase(Locale.ROOT)) {
            case "", LATEST, STABLE -> model.text(serving).name();
            case CANDIDATE -> name(model.model().status().rollout().candidate().orElseThrow(() -> unknown(model, requested)));
            default -> requested;
        };
    }

    private static List<String> loaded(ServedModel model, ModelVersion serving) {
        List<String> names = new ArrayList<>();
        names.add(model.text(serving).name());
        model.model().status().rollout().candidate().map(Versions::name).filter(n -> !names.contains(n)).ifPresent(names::add);
        return names;
    }

    private static UnknownVersionException unknown(ServedModel model, String requested) {
        ModelVersion serving = model.model().current().orElse(null);
        String loaded = serving == null ? "none" : String.join(", ", loaded(model, serving));
        return new UnknownVersionException("model '" + model.name() + "' has no loaded version '" + requested + "'; loaded versions: "
                + loaded + " (labels: latest, stable" + (model.model().status().rollout().candidate().isPresent() ? ", candidate" : "") + ")");
    }
}
