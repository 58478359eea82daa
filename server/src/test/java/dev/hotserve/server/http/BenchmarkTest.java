package dev.hotserve.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The benchmark route's percentiles are nearest ranks: always a measured value, the q-th of n rounded up. */
class BenchmarkTest {

    @Test
    void percentilesAreNearestRanksOfTheSortedCalls() {
        long[] hundred = LongStream.rangeClosed(1, 100).toArray(); // 1..100: the k-th smallest is k
        assertThat(Benchmark.percentile(hundred, 0.50)).isEqualTo(50);
        assertThat(Benchmark.percentile(hundred, 0.90)).isEqualTo(90);
        assertThat(Benchmark.percentile(hundred, 0.99)).isEqualTo(99);
        assertThat(Benchmark.percentile(hundred, 1.00)).isEqualTo(100);

        long[] ten = LongStream.rangeClosed(1, 10).map(k -> k * 10).toArray(); // 10, 20, ..., 100
        assertThat(Benchmark.percentile(ten, 0.50)).isEqualTo(50); // rank ceil(5.0) = 5
        assertThat(Benchmark.percentile(ten, 0.99)).isEqualTo(100); // rank ceil(9.9) = 10
        assertThat(Benchmark.percentile(ten, 0.91)).isEqualTo(100); // rank ceil(9.1) = 10, not interpolated

        assertThat(Benchmark.percentile(new long[] {7}, 0.5)).isEqualTo(7);
        assertThat(Benchmark.percentile(new long[] {3, 9}, 0.5)).isEqualTo(3); // rank 1, not the midpoint 6
    }
}
