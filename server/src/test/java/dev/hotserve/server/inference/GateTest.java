package dev.hotserve.server.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The drain gate: nothing is admitted once closing began, and the closer returns when the last admitted request exits. */
class GateTest {

    @Test
    void closingRefusesNewRequestsAndWaitsForTheAdmittedOnes() throws Exception {
        Gate gate = new Gate();
        assertThat(gate.enter()).isTrue();
        assertThat(gate.enter()).isTrue();
        gate.exit();
        CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(() -> {
            try {
                return gate.closeAndAwait(Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> !gate.enter());
        assertThat(closed).isNotDone();
        assertThat(gate.active()).isEqualTo(1);
        gate.exit();
        assertThat(closed.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gate.active()).isZero();
    }

    @Test
    void closingGivesUpAfterTheGrace() throws Exception {
        Gate gate = new Gate();
        assertThat(gate.enter()).isTrue();
        assertThat(gate.closeAndAwait(Duration.ZERO)).isFalse();
        assertThat(gate.enter()).isFalse();
    }
}
