package dev.hotserve.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsRingTest {

    private static MetricsRing.Sample sample(long t) {
        return new MetricsRing.Sample(t, t * 10, t, Double.NaN, 0, Double.NaN);
    }

    @Test
    void keepsTheLastSamplesInTimeOrder() {
        MetricsRing ring = new MetricsRing(3);
        for (long t = 1; t <= 5; t++) {
            ring.add(sample(t));
        }
        MetricsRing.Series s = ring.series();
        assertThat(s.epochMillis()).containsExactly(3, 4, 5);
        assertThat(s.requestsPerSecond()).containsExactly(30, 40, 50);
        assertThat(s.p50Ms()).containsExactly(3, 4, 5);
        assertThat(ring.size()).isEqualTo(3);
    }

    @Test
    void aPartlyFilledRingReturnsOnlyWhatItHas() {
        MetricsRing ring = new MetricsRing(900);
        ring.add(sample(7));
        assertThat(ring.series().epochMillis()).containsExactly(7);
        assertThat(new MetricsRing(2).series().epochMillis()).isEmpty();
    }
}
