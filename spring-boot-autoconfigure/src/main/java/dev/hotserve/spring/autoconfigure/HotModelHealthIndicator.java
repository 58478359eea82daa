package dev.hotserve.spring.autoconfigure;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.ModelStatus;
import dev.hotserve.core.ModelVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * One model's entry under {@code hotserve} (README, "In a Spring Boot application"): UP while it serves a version, DOWN while
 * none is loaded (not yet, or every checkpoint so far was refused), OUT_OF_SERVICE once closed.
 * Reads the model's status, one atomic snapshot: no freshness check, no load, so a health probe
 * never changes what serves.
 */
public final class HotModelHealthIndicator implements HealthIndicator {

    private final HotModel model;

    public HotModelHealthIndicator(HotModel model) {
        this.model = model;
    }

    @Override
    public Health health() {
        if (model.isClosed()) {
            return Health.outOfService().withDetail("reason", "closed").build();
        }
        ModelStatus s = model.status();
        Map<String, Object> details = new LinkedHashMap<>();
        s.current().ifPresent(v -> version(v, details));
        details.put("generation", s.generation());
        details.put("source", s.source());
        if (s.pinned()) {
            details.put("pinned", true);
        }
        if (!"none".equals(s.rollout().phase())) {
            details.put("rollout", s.rollout().phase());
        }
        s.lastError().ifPresent(f -> details.put("lastError", f.path() + ": " + f.reason()));
        s.pending().ifPresent(p -> details.put("pending", p));
        if (!s.sourceHealth().reachable()) {
            details.put("sourceReachable", false);
            s.sourceHealth().lastError().ifPresent(e -> details.put("sourceError", e));
        }
        return (s.current().isPresent() ? Health.up() : Health.down()).withDetails(details).build();
    }

    private static void version(ModelVersion v, Map<String, Object> details) {
        details.put("version", v.name());
        details.put("path", v.path().toString());
        details.put("sha256", v.sha256());
        details.put("engine", v.engine());
        details.put("loadedAt", v.loadedAt().toString());
    }
}
