package dev.hotserve.server.ui;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Turns the server's cumulative Micrometer meters into per-interval figures for the dashboard:
 * each call compares every model's request timers (and batch-size summaries, when batching
 * records them) with the previous call and returns the requests per second and the p50 / p99
 * latency of the requests finished in between. It reads what the request path already records,
 * so it adds nothing to that path.
 *
 * <p>Percentiles come from the timers' histogram buckets (cumulative counts per upper bound): the
 * interval's counts are the differences, and a quantile is interpolated linearly inside its
 * bucket, so it is as precise as the bucket layout (Micrometer's, about a third of a power of
 * four wide) and never claims more.
 *
 * <p>Not thread-safe: one scheduler thread calls {@link #sample}.
 */
final class RequestSampler {

    /** The request timer {@code ServerMetrics} records, by model, route and status. */
    static final String REQUESTS = "hotserve.requests";
    /** Rows per engine call, a distribution summary tagged {@code model} ({@code ServerMetrics.batchObserver}). */
    static final String BATCH_SIZE = "hotserve.batch.rows";

    /** One model's figures for one interval; NaN where there is nothing to say (no request finished). */
    record Figures(double requestsPerSecond, double p50Ms, double p99Ms, boolean batching, double batchesPerSecond, double meanBatchRows) {}

    private record TimerState(long count, TreeMap<Double, Long> cumulative) {}

    private record SummaryState(long count, double total) {}

    private final MeterRegistry registry;
    private final Map<Meter.Id, TimerState> timers = new HashMap<>();
    private final Map<Meter.Id, SummaryState> summaries = new HashMap<>();
    private Instant previous;

    RequestSampler(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The figures of each model since the previous call. The first call only sets the baseline
     * (every figure is then zero or NaN); a meter first seen later was created since the previous
     * call, so all its counts belong to this interval.
     */
    Map<String, Figures> sample(Collection<String> models, Instant now) {
        boolean baseline = previous == null;
        double seconds = baseline ? 1 : Math.max(1e-3, Duration.between(previous, now).toNanos() / 1e9);
        previous = now;
        Set<Meter.Id> seen = new HashSet<>();
        Map<String, Figures> out = new HashMap<>();
        for (String model : models) {
            long requests = 0;
            TreeMap<Double, Long> buckets = new TreeMap<>();
            for (Timer t : registry.find(REQUESTS).tag("model", model).timers()) {
                if (!isInference(t.getId().getTag("route"))) {
                    continue;
                }
                seen.add(t.getId());
                HistogramSnapshot snap = t.takeSnapshot();
                TreeMap<Double, Long> cumulative = new TreeMap<>();
                for (CountAtBucket c : snap.histogramCounts()) {
                    cumulative.put(c.bucket(TimeUnit.SECONDS), (long) c.count());
                }
                TimerState before = timers.put(t.getId(), new TimerState(snap.count(), cumulative));
                if (baseline) {
                    continue;
                }
                long priorCount = before == null ? 0 : before.count();
                requests += snap.count() - priorCount;
                for (Map.Entry<Double, Long> e : cumulative.entrySet()) {
                    long prior = before == null ? 0 : before.cumulative().getOrDefault(e.getKey(), 0L);
                    buckets.merge(e.getKey(), e.getValue() - prior, Long::sum);
                }
            }
            boolean batching = false;
            long batches = 0;
            double rows = 0;
            for (DistributionSummary s : registry.find(BATCH_SIZE).tag("model", model).summaries()) {
                batching = true;
                seen.add(s.getId());
                SummaryState now2 = new SummaryState(s.count(), s.totalAmount());
                SummaryState before = summaries.put(s.getId(), now2);
                if (!baseline) {
                    batches += now2.count() - (before == null ? 0 : before.count());
                    rows += now2.total() - (before == null ? 0 : before.total());
                }
            }
            out.put(model, new Figures(requests / seconds, quantileMs(buckets, requests, 0.50), quantileMs(buckets, requests, 0.99), batching,
                    batches / seconds, batches == 0 ? Double.NaN : rows / batches));
        }
        // Meters of models (or routes) that are gone: forget them, so the maps stay bounded.
        timers.keySet().retainAll(seen);
        summaries.keySet().retainAll(seen);
        return out;
    }

    /**
     * Routes that answer inference: everything of a model but its health, its admin and
     * inspection routes ({@code /model/...}) and the benchmark (one long request that is not traffic).
     */
    static boolean isInference(String route) {
        return route != null && !route.equals("/health") && !route.startsWith("/model/") && !route.equals("/benchmark");
    }

    /**
     * The q-quantile in milliseconds of an interval's histogram ({@code cumulative}: upper bound in
     * seconds to the count of values at or below it), linear inside the bucket; NaN for no values.
     */
    static double quantileMs(TreeMap<Double, Long> cumulative, long total, double q) {
        if (total <= 0 || cumulative.isEmpty()) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        long lowerCount = 0;
        for (Map.Entry<Double, Long> e : cumulative.entrySet()) {
            long count = e.getValue();
            if (count >= rank && count > lowerCount) {
                double fraction = (rank - lowerCount) / (count - lowerCount);
                return (lowerBound + fraction * (e.getKey() - lowerBound)) * 1e3;
            }
            lowerBound = e.getKey();
            lowerCount = Math.max(lowerCount, count);
        }
        // Beyond the last bound (over 30 s): say the last bound, the most the histogram knows.
        return lowerBound * 1e3;
    }
}
