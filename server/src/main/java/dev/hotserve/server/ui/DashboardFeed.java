package dev.hotserve.server.ui;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.ReloadEvent;
import dev.hotserve.server.metrics.ServerMetrics;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The dashboard's event feed: what the streams of {@link Dashboard} send, published into the
 * {@link EventHub} that every open stream reads from.
 *
 * <h2>How it learns of changes</h2>
 * It is told, and never loads anything itself:
 * <ul>
 *   <li>the set of models: the registry calls {@link #modelsChanged()} after each load or unload,
 *       at start-up and through the repository API alike; the feed then follows the new set and
 *       sends a {@code snapshot};
 *   <li>a model's reload events (load, failure, rollback, pin, and whatever the rollout adds): a
 *       listener on each model it follows sends a {@code model} event as soon as one is recorded.
 *       A new checkpoint loads by the model's own means (its directory watch, its poller, a
 *       request), for every model the registry holds, whenever it was added;
 *   <li>a model's info that changes with no reload event (a rollout's drift and traffic, a file
 *       still being written, the batch queue, the source's health): compared each second, sent as
 *       {@code info} when it differs;
 *   <li>each second a {@code tick}: the time and each model's request rate and latency (and batch
 *       figures when it batches) over that second.
 * </ul>
 *
 * <h2>Threads</h2>
 * One scheduler thread for all models samples the metrics into each model's ring (always, so the
 * charts have history when a page opens) and publishes everything; listeners only hand over to it.
 */
final class DashboardFeed implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DashboardFeed.class.getName());

    static final int WINDOW_SAMPLES = 900;
    static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(1);

    private final EventHub hub;
    private final DashboardJson json;
    private final RequestSampler sampler;
    private final Supplier<? extends Collection<HotModel>> models;
    private final InstantSource clock;
    private final ScheduledExecutorService scheduler;
    /** Written only by the scheduler thread (and the constructor); read by the JSON of snapshots. */
    private final ConcurrentMap<String, ModelWatch> watches = new ConcurrentHashMap<>();
    /** Models with a reload event not yet published. */
    private final Set<String> changed = ConcurrentHashMap.newKeySet();

    /**
     * @param models the models served now, asked again on each {@link #modelsChanged()}
     */
    DashboardFeed(EventHub hub, DashboardJson json, ServerMetrics metrics, Supplier<? extends Collection<HotModel>> models,
            InstantSource clock, ScheduledExecutorService scheduler) {
        this.hub = hub;
        this.json = json;
        this.sampler = new RequestSampler(metrics.registry());
        this.models = models;
        this.clock = clock;
        this.scheduler = scheduler;
        follow();
        sample(); // the baseline: the first figures are those of the first second after start
        scheduler.scheduleAtFixedRate(this::tick, SAMPLE_INTERVAL.toMillis(), SAMPLE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The registry's models changed: follow the new set (on the feed's thread; this one only hands over). */
    void modelsChanged() {
        try {
            scheduler.execute(() -> {
                try {
                    if (follow() && hub.hasSubscribers()) {
                        hub.publish(DashboardJson.frame("snapshot", snapshot()));
                    }
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "dashboard: following the models failed", e);
                }
            });
        } catch (RejectedExecutionException closed) {
            // the server is stopping: no page is left to tell
        }
    }

    /** Every model's state and figures, as the first event of a stream. */
    byte[] snapshot() {
        List<ModelWatch> ws = new ArrayList<>(watches.values());
        ws.sort(Comparator.comparing(ModelWatch::name));
        return json.snapshot(clock.instant(), SAMPLE_INTERVAL, WINDOW_SAMPLES, ws);
    }

    /** Stops sampling and publishing. */
    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private void tick() {
        try {
            Instant now = clock.instant();
            Map<String, RequestSampler.Figures> figures = sample();
            if (hub.hasSubscribers()) {
                publishInfoChanges();
                hub.publish(DashboardJson.frame("tick", json.tick(now, figures, name -> {
                    ModelWatch w = watches.get(name);
                    return w != null && batching(w, figures.get(name));
                })));
            }
        } catch (RuntimeException e) {
            // A failed tick must not end the schedule (an exception would cancel it).
            LOG.log(System.Logger.Level.WARNING, "dashboard tick failed", e);
        }
    }

    private Map<String, RequestSampler.Figures> sample() {
        Instant now = clock.instant();
        Map<String, RequestSampler.Figures> figures = sampler.sample(watches.keySet(), now);
        figures.forEach((name, f) -> {
            ModelWatch w = watches.get(name);
            if (w != null) {
                w.batching = batching(w, f);
                w.ring.add(new MetricsRing.Sample(now.toEpochMilli(), f.requestsPerSecond(), f.p50Ms(), f.p99Ms(), f.batchesPerSecond(),
                        f.meanBatchRows()));
            }
        });
        return figures;
    }

    /** Batch figures only for a model that batches (its batch meters exist either way). */
    private static boolean batching(ModelWatch w, RequestSampler.Figures f) {
        return f.batching() && w.model.batching().enabled();
    }

    /** Follows the server's model list; true when it changed. */
    private boolean follow() {
        Map<String, HotModel> now = models.get().stream().collect(Collectors.toMap(HotModel::name, m -> m, (a, b) -> b));
        boolean changedSet = watches.keySet().retainAll(now.keySet());
        for (HotModel m : now.values()) {
            ModelWatch w = watches.get(m.name());
            if (w == null || w.model != m) {
                ModelWatch fresh = new ModelWatch(m, WINDOW_SAMPLES);
                fresh.lastInfo = json.info(m);
                watches.put(m.name(), fresh);
                // HotModel has no way to remove a listener: this one goes quiet once the model is no longer followed.
                m.addListener(e -> modelChanged(fresh, e));
                changedSet = true;
            }
        }
        return changedSet;
    }

    /** A reload listener: runs on the thread that recorded the event, so it only hands over. */
    private void modelChanged(ModelWatch w, ReloadEvent e) {
        String name = w.name();
        if (watches.get(name) != w || !changed.add(name)) {
            return;
        }
        try {
            scheduler.execute(this::publishChanged);
        } catch (RejectedExecutionException closed) {
            changed.remove(name);
        }
    }

    private void publishChanged() {
        try {
            for (String name : List.copyOf(changed)) {
                changed.remove(name); // before reading the state: a change from now on is published again
                ModelWatch w = watches.get(name);
                if (w != null && hub.hasSubscribers()) {
                    byte[] info = json.info(w.model);
                    w.lastInfo = info;
                    hub.publish(DashboardJson.frame("model", json.model(w.model, info)));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "dashboard: publishing a model change failed", e);
        }
    }

    /** Once a second, a model whose info differs from what was last published is published again. */
    private void publishInfoChanges() {
        for (ModelWatch w : watches.values()) {
            byte[] info = json.info(w.model);
            if (!Arrays.equals(info, w.lastInfo)) {
                w.lastInfo = info;
                hub.publish(DashboardJson.frame("info", json.infoChanged(w.name(), info)));
            }
        }
    }
}
