package dev.hotserve.spring.autoconfigure;

import dev.hotserve.core.HotModel;
import java.util.stream.Stream;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;

/**
 * The {@code hotserve} health contributor: one {@link HotModelHealthIndicator} per {@link HotModel}
 * bean of the context (ours and the application's), keyed by the model's name.
 */
public final class HotserveHealthContributor implements CompositeHealthContributor {

    private final ObjectProvider<HotModel> models;

    public HotserveHealthContributor(ObjectProvider<HotModel> models) {
        this.models = models;
    }

    @Override
    public HealthContributor getContributor(String name) {
        return models.orderedStream().filter(m -> m.name().equals(name)).findFirst().map(HotModelHealthIndicator::new).orElse(null);
    }

    @Override
    public Stream<Entry> stream() {
        return models.orderedStream().map(m -> new Entry(m.name(), new HotModelHealthIndicator(m)));
    }
}
