package dev.hotserve.server.metrics;

import dev.hotserve.batch.BatchObserver;
import dev.hotserve.core.HotModel;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.ReloadEvent;
import dev.hotserve.core.ReloadKind;
import dev.hotserve.core.RolloutStatus;
import dev.hotserve.signing.SignatureException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The server's meters, in a registry it owns (never Micrometer's global one), scraped in the
 * Prometheus text format by {@code GET /metrics}:
 * <ul>
 *   <li>{@code hotserve_requests_seconds} histogram by model, route and status (counts and latency)
 *   <li>{@code hotserve_requests_in_flight}
 *   <li>{@code hotserve_reloads_total} by model and kind, {@code hotserve_load_failures_total} by model
 *   <li>{@code hotserve_model_generation}, {@code hotserve_model_loaded}, {@code hotserve_checkpoint_age_seconds} by model
 *   <li>{@code hotserve_model_load_seconds} by model (successful loads)
 *   <li>{@code hotserve_source_reachable}, {@code hotserve_source_last_reached_seconds},
 *       {@code hotserve_source_consecutive_failures} by model (the checkpoint source's health)
 * </ul>
 */
public final class ServerMetrics {

    /** The content type of {@link #scrape()}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final InstantSource clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentMap<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();

    private record RequestKey(String model, String route, int status) {}

    public ServerMetrics(InstantSource clock) {
        this.clock = clock;
        Gauge.builder("hotserve.requests.in.flight", inFlight, AtomicInteger::get)
                .description("HTTP requests being handled")
                .register(registry);
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    /** Records one finished request; {@code model} is "_server" for routes outside any model. */
    public void requestFinished(String model, String route, int status, long nanos) {
        inFlight.decrementAndGet();
        requestTimers.computeIfAbsent(new RequestKey(model, route, status), k -> Timer.builder("hotserve.requests")
                        .description("HTTP requests by model, route and status")
                        .tags("model", k.model(), "route", k.route(), "status", Integer.toString(k.status()))
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1).dividedBy(100))
                        .maximumExpectedValue(Duration.ofSeconds(30))
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Requests being handled right now (tests use it to know a request is in flight). */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Records a model's reload events: meters and one log line per event. Give it to the model's
     * builder ({@code HotModelBuilder.listener}), so the first load, made in {@code build()}, is
     * recorded too.
     */
    public Consumer<ReloadEvent> reloadListener(String model) {
        return e -> record(model, e);
    }

    /**
     * Records a model's batched engine calls: requests and rows per call, and how long the oldest
     * request of each call waited. Give it to the model's builder.
     */
    public BatchObserver batchObserver(String model) {
        DistributionSummary requests = DistributionSummary.builder("hotserve.batch.requests")
                .description("requests sharing one engine call").tag("model", model).publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue(4096.0).register(registry);
        DistributionSummary rows = DistributionSummary.builder("hotserve.batch.rows")
                .description("rows in one engine call (the batch size)").tag("model", model).publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue(65536.0).register(registry);
        Timer wait = Timer.builder("hotserve.batch.queue.wait")
                .description("how long the oldest request of a batch waited in the queue").tag("model", model)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(1000)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        return (n, r, waitNanos) -> {
            requests.record(n);
            rows.record(r);
            wait.record(waitNanos, TimeUnit.NANOSECONDS);
        };
    }

    /** Registers the model's gauges. */
    public void bind(HotModel model) {
        String name = model.name();
        Gauge.builder("hotserve.model.generation", model, m -> m.current().map(ModelVersion::generation).orElse(0L))
                .description("generation of the serving checkpoint (0: none loaded)")
                .tag("model", name)
                .register(registry);
        Gauge.builder("hotserve.model.loaded", model, m -> m.current().isPresent() ? 1 : 0)
                .description("1 while a model is loaded")
                .tag("model", name)
                .register(registry);
        Gauge.builder("hotserve.checkpoint.age", model, m -> m.current()
                        .map(v -> Duration.between(v.mtime(), clock.instant()).toNanos() / 1e9)
                        .orElse(Double.NaN))
                .description("now minus the serving checkpoint's mtime")
                .baseUnit("seconds")
                .tag("model", name)
                .register(registry);
        Counter.builder("hotserve.load.failures").tag("model", name).description("checkpoints refused").register(registry);
        // Where checkpoints come from: always reachable for local files.
        Gauge.builder("hotserve.source.reachable", model, m -> m.status().sourceHealth().reachable() ? 1 : 0)
                .description("1 while the last attempt to reach the model's checkpoint source succeeded")
                .tag("model", name)
                .register(registry);
        Gauge.builder("hotserve.source.last.reached", model, m -> m.status().sourceHealth().lastReached()
                        .map(t -> t.toEpochMilli() / 1e3).orElse(Double.NaN))
                .description("when the checkpoint source last answered, in seconds since the epoch (NaN: never, or a local source)")
                .baseUnit("seconds")
                .tag("model", name)
                .register(registry);
        Gauge.builder("hotserve.source.consecutive.failures", model, m -> m.status().sourceHealth().consecutiveFailures())
                .description("attempts to reach the checkpoint source that failed in a row (retries back off on this)")
                .tag("model", name)
                .register(registry);
        if (!model.rolloutPolicy().immediate()) {
            bindRollout(model);
        }
        if (model.batching().enabled()) {
            Gauge.builder("hotserve.batch.queue.depth", model, HotModel::queueDepth)
                    .description("requests waiting in the serving version's batch queue")
                    .tag("model", name)
                    .register(registry);
        }
    }

    /**
     * Drops the model's gauges (they hold the model, and an unloaded model must not be kept alive
     * by its meters); its counters stay, as history.
     */
    public void unbind(String model) {
        for (io.micrometer.core.instrument.Meter m : registry.getMeters()) {
            if (m instanceof Gauge && model.equals(m.getId().getTag("model"))) {
                registry.remove(m);
            }
        }
    }

    /** The rollout: the drift quantiles so far, and each side's requests, errors and non-finite answers. */
    private void bindRollout(HotModel model) {
        String name = model.name();
        Gauge.builder("hotserve.rollout.phase", model, m -> switch (m.status().rollout().phase()) {
                    case "shadow" -> 1;
                    case "canary" -> 2;
                    case "guard" -> 3;
                    default -> 0;
                })
                .description("0 none, 1 shadow, 2 canary, 3 guard").tag("model", name).register(registry);
        record Quantile(String q, java.util.function.ToDoubleFunction<RolloutStatus> f) {}
        for (Quantile q : List.of(new Quantile("0.5", RolloutStatus::driftP50), new Quantile("0.99", RolloutStatus::driftP99),
                new Quantile("1", RolloutStatus::driftMax))) {
            Gauge.builder("hotserve.rollout.drift", model, m -> q.f().applyAsDouble(m.status().rollout()))
                    .description("largest absolute difference of deterministic actions, candidate vs stable, over the shadow comparisons")
                    .tags("model", name, "quantile", q.q()).register(registry);
        }
        record Side(String side, String what, java.util.function.ToLongFunction<RolloutStatus> f) {}
        for (Side sd : List.of(new Side("candidate", "requests", RolloutStatus::candidateRequests),
                new Side("candidate", "errors", RolloutStatus::candidateErrors), new Side("candidate", "non_finite", RolloutStatus::candidateNonFinite),
                new Side("stable", "requests", RolloutStatus::stableRequests), new Side("stable", "errors", RolloutStatus::stableErrors),
                new Side("stable", "non_finite", RolloutStatus::stableNonFinite))) {
            Gauge.builder("hotserve.rollout." + sd.what(), model, m -> sd.f().applyAsLong(m.status().rollout()))
                    .description(sd.what() + " per version during the current rollout").tags("model", name, "version", sd.side())
                    .register(registry);
        }
    }

    private void record(String model, ReloadEvent e) {
        Counter.builder("hotserve.reloads")
                .description("reload events by kind")
                .tags("model", model, "kind", e.kind().name().toLowerCase(Locale.ROOT))
                .register(registry)
                .increment();
        if (e.kind() == ReloadKind.FAILED) {
            Counter.builder("hotserve.load.failures").tag("model", model).register(registry).increment();
            // The reason label comes from a closed set, never from the error's own text.
            SignatureException.refusedIn(e.error()).ifPresent(r -> Counter.builder("hotserve.signature.refusals")
                    .description("checkpoints refused for their signature, by reason").tags("model", model, "reason", r.label())
                    .register(registry).increment());
        }
        if (e.newGeneration() > e.oldGeneration()) {
            Timer.builder("hotserve.model.load")
                    .description("duration of successful loads")
                    .tag("model", model)
                    .register(registry)
                    .record(e.duration());
        }
        ReloadLog.log(model, e);
    }

    /** The registry, for readers that sample the meters (the dashboard); record through this class's methods. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition (format 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    public void close() {
        registry.close();
    }
}
