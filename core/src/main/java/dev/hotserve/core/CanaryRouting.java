package dev.hotserve.core;

import java.util.concurrent.atomic.AtomicLong;

/** Which snapshot answers during a canary: stable, or the candidate for its share, sticky per routing key. */
final class CanaryRouting {

    private final RolloutPolicy policy;
    private final AtomicLong canaryCounter = new AtomicLong();

    CanaryRouting(RolloutPolicy policy) {
        this.policy = policy;
    }

    Snapshot route(ModelState st, String routingKey) {
        ModelState.Rollout r = st.rollout();
        if (r == null || r.phase() != ModelState.Phase.CANARY) {
            return st.serving();
        }
        boolean toCandidate;
        if (routingKey != null) {
            // A stable hash of the key: the same key lands on the same side on every replica.
            int h = routingKey.hashCode() * 0x9E3779B9;
            toCandidate = ((h >>> 8) % 10_000) < policy.canaryFraction() * 10_000;
        } else {
            long n = canaryCounter.getAndIncrement();
            toCandidate = Math.floor((n + 1) * policy.canaryFraction()) > Math.floor(n * policy.canaryFraction());
        }
        return toCandidate ? r.candidate() : st.serving();
    }
}
