package dev.hotserve.spring.autoconfigure;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.ReloadKind;
import dev.hotserve.core.RolloutStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The server's per-model meters ({@code hotserve_*}, tagged {@code model}; names and meanings as
 * the server's {@code /metrics}), bound to the application's registry, read from each
 * {@link HotModel} bean's status and {@link HotserveReloadCounts}: {@code hotserve.reloads} by kind,
 * {@code hotserve.load.failures}, {@code hotserve.model.load} (successful loads),
 * {@code hotserve.model.generation}, {@code hotserve.model.loaded}, {@code hotserve.checkpoint.age},
 * the source's health, the rollout's figures and the batch queue. One more, which the server does
 * not have: {@code hotserve.model.info} (1, tagged with the serving {@code version} and
 * {@code engine}), so a dashboard can show which checkpoint answers. The HTTP request meters are
 * the application's own ({@code http.server.requests}).
 */
public final class HotserveMeterBinder implements MeterBinder {

    private final ObjectProvider<HotModel> models;
    private final HotserveReloadCounts counts;
    private final InstantSource clock;

    public HotserveMeterBinder(ObjectProvider<HotModel> models, HotserveReloadCounts counts, InstantSource clock) {
        this.models = models;
        this.counts = counts;
        this.clock = clock;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        models.orderedStream().forEach(m -> bind(m, registry));
    }

    private void bind(HotModel model, MeterRegistry registry) {
        String name = model.name();
        if (!counts.counts(name)) {
            // A model the application built itself: its events from now on (the first load is already behind it).
            model.addListener(counts.listener(name));
        }
        HotserveReloadCounts.Tally tally = counts.tally(name);
        for (ReloadKind kind : ReloadKind.values()) {
            FunctionCounter.builder("hotserve.reloads", tally, t -> t.count(kind))
                    .description("reload events by kind")
                    .tags("model", name, "kind", kind.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        FunctionCounter.builder("hotserve.load.failures", tally, t -> t.count(ReloadKind.FAILED))
                .description("checkpoints refused").tag("model", name).register(registry);
        FunctionTimer.builder("hotserve.model.load", tally, HotserveReloadCounts.Tally::loads, HotserveReloadCounts.Tally::loadSeconds,
                        TimeUnit.SECONDS)
                .description("duration of successful loads").tag("model", name).register(registry);
        Gauge.builder("hotserve.model.generation", model, m -> m.current().map(ModelVersion::generation).orElse(0L))
                .description("generation of the serving checkpoint (0: none loaded)").tag("model", name).register(registry);
        Gauge.builder("hotserve.model.loaded", model, m -> m.current().isPresent() ? 1 : 0)
                .description("1 while a model is loaded").tag("model", name).register(registry);
        Gauge.builder("hotserve.checkpoint.age", model, m -> m.current()
                        .map(v -> Duration.between(v.mtime(), clock.instant()).toNanos() / 1e9).orElse(Double.NaN))
                .description("now minus the serving checkpoint's mtime").baseUnit("seconds").tag("model", name).register(registry);
        Gauge.builder("hotserve.source.reachable", model, m -> m.status().sourceHealth().reachable() ? 1 : 0)
                .description("1 while the last attempt to reach the model's checkpoint source succeeded").tag("model", name)
                .register(registry);
        Gauge.builder("hotserve.source.last.reached", model, m -> m.status().sourceHealth().lastReached()
                        .map(t -> t.toEpochMilli() / 1e3).orElse(Double.NaN))
                .description("when the checkpoint source last answered, in seconds since the epoch (NaN: never, or a local source)")
                .baseUnit("seconds").tag("model", name).register(registry);
        Gauge.builder("hotserve.source.consecutive.failures", model, m -> m.status().sourceHealth().consecutiveFailures())
                .description("attempts to reach the checkpoint source that failed in a row").tag("model", name).register(registry);
        if (model.batching().enabled()) {
            Gauge.builder("hotserve.batch.queue.depth", model, HotModel::queueDepth)
                    .description("requests waiting in the serving version's batch queue").tag("model", name).register(registry);
        }
        if (!model.rolloutPolicy().immediate()) {
            bindRollout(model, registry);
        }
        MultiGauge info = MultiGauge.builder("hotserve.model.info")
                .description("1, tagged with the serving checkpoint's version and engine").tag("model", name).register(registry);
        Runnable refresh = () -> info.register(model.current()
                .map(v -> List.of(MultiGauge.Row.of(Tags.of("version", v.name(), "engine", v.engine()), 1)))
                .orElse(List.of()), true);
        refresh.run();
        tally.afterEvent(refresh);
    }

    private static void bindRollout(HotModel model, MeterRegistry registry) {
        String name = model.name();
        Gauge.builder("hotserve.rollout.phase", model, m -> switch (m.status().rollout().phase()) {
                    case "shadow" -> 1;
                    case "canary" -> 2;
                    case "guard" -> 3;
                    default -> 0;
                })
                .description("0 none, 1 shadow, 2 canary, 3 guard").tag("model", name).register(registry);
        record Quantile(String q, ToDoubleFunction<RolloutStatus> f) {}
        for (Quantile q : List.of(new Quantile("0.5", RolloutStatus::driftP50), new Quantile("0.99", RolloutStatus::driftP99),
                new Quantile("1", RolloutStatus::driftMax))) {
            Gauge.builder("hotserve.rollout.drift", model, m -> q.f().applyAsDouble(m.status().rollout()))
                    .description("largest absolute difference of deterministic actions, candidate vs stable, over the shadow comparisons")
                    .tags("model", name, "quantile", q.q()).register(registry);
        }
        record Side(String side, String what, ToLongFunction<RolloutStatus> f) {}
        for (Side sd : List.of(new Side("candidate", "requests", RolloutStatus::candidateRequests),
                new Side("candidate", "errors", RolloutStatus::candidateErrors), new Side("candidate", "non_finite", RolloutStatus::candidateNonFinite),
                new Side("stable", "requests", RolloutStatus::stableRequests), new Side("stable", "errors", RolloutStatus::stableErrors),
                new Side("stable", "non_finite", RolloutStatus::stableNonFinite))) {
            Gauge.builder("hotserve.rollout." + sd.what(), model, m -> sd.f().applyAsLong(m.status().rollout()))
                    .description(sd.what() + " per version during the current rollout").tags("model", name, "version", sd.side())
                    .register(registry);
        }
    }
}
