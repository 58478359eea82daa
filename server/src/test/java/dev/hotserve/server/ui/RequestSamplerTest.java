package dev.hotserve.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.server.metrics.ServerMetrics;
import io.micrometer.core.instrument.DistributionSummary;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Per-second figures from the server's real (cumulative) Micrometer meters. */
class RequestSamplerTest {

    static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");

    final ServerMetrics metrics = new ServerMetrics(InstantSource.fixed(T0));
    final RequestSampler sampler = new RequestSampler(metrics.registry());

    private void requests(String model, String route, int n, long nanos) {
        for (int i = 0; i < n; i++) {
            metrics.requestStarted();
            metrics.requestFinished(model, route, 200, nanos);
        }
    }

    @Test
    void rateAndPercentilesCoverOnlyTheInterval() {
        requests("sac", "/predict", 500, TimeUnit.MILLISECONDS.toNanos(50)); // before the baseline: not counted
        sampler.sample(List.of("sac"), T0);

        requests("sac", "/predict", 90, TimeUnit.MICROSECONDS.toNanos(1000));
        requests("sac", "/predict/batch", 10, TimeUnit.MILLISECONDS.toNanos(200));
        Map<String, RequestSampler.Figures> f = sampler.sample(List.of("sac"), T0.plusSeconds(2));

        RequestSampler.Figures sac = f.get("sac");
        assertThat(sac.requestsPerSecond()).isEqualTo(50.0); // 100 requests in 2 s
        // Within the histogram's bucket around each value (buckets are about a third of a power of 4 wide).
        assertThat(sac.p50Ms()).isBetween(0.7, 1.4);
        assertThat(sac.p99Ms()).isBetween(150.0, 300.0);
        assertThat(sac.batching()).isFalse();
    }

    @Test
    void healthAndAdminRoutesAreNotTraffic() {
        sampler.sample(List.of("sac"), T0);
        requests("sac", "/health", 30, 1_000_000);
        requests("sac", "/model/info", 30, 1_000_000);
        requests("sac", "/benchmark", 1, 1_000_000_000);
        requests("other", "/predict", 30, 1_000_000);

        RequestSampler.Figures sac = sampler.sample(List.of("sac"), T0.plusSeconds(1)).get("sac");
        assertThat(sac.requestsPerSecond()).isZero();
        assertThat(sac.p50Ms()).isNaN();
    }

    @Test
    void aTimerCreatedBetweenSamplesCountsWhole() {
        sampler.sample(List.of("sac"), T0);
        requests("sac", "/predict", 7, 1_000_000); // first request of this route: its timer is new
        assertThat(sampler.sample(List.of("sac"), T0.plusSeconds(1)).get("sac").requestsPerSecond()).isEqualTo(7.0);
        assertThat(sampler.sample(List.of("sac"), T0.plusSeconds(2)).get("sac").requestsPerSecond()).isZero();
    }

    @Test
    void batchFiguresAppearOnceTheBatchSummaryExists() {
        sampler.sample(List.of("sac"), T0);
        DistributionSummary rows = DistributionSummary.builder(RequestSampler.BATCH_SIZE).tag("model", "sac").register(metrics.registry());
        rows.record(4);
        rows.record(8);

        RequestSampler.Figures sac = sampler.sample(List.of("sac"), T0.plusSeconds(1)).get("sac");
        assertThat(sac.batching()).isTrue();
        assertThat(sac.batchesPerSecond()).isEqualTo(2.0);
        assertThat(sac.meanBatchRows()).isEqualTo(6.0);
    }

    @Test
    void quantilesInterpolateInsideTheirBucket() {
        TreeMap<Double, Long> cumulative = new TreeMap<>(Map.of(0.001, 0L, 0.002, 50L, 0.004, 100L));
        assertThat(RequestSampler.quantileMs(cumulative, 100, 0.25)).isEqualTo(1.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(RequestSampler.quantileMs(cumulative, 100, 0.99)).isEqualTo(3.96, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(RequestSampler.quantileMs(cumulative, 0, 0.5)).isNaN();
    }
}
