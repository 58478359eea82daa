package dev.hotserve.core;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds leases dropped without {@code close()}: each watched lease has a phantom reference; when
 * the collector finds the lease unreachable, {@link #drain()} runs its leak action (report, then
 * release). Draining is explicit — the runtime's scheduler calls it every so often, and a test can
 * call it at a moment of its choosing — so no thread of its own is needed.
 */
final class LeakWatch {

    private final ReferenceQueue<Lease> queue = new ReferenceQueue<>();
    /** Keeps the references reachable until their lease is closed or found leaked. */
    private final Set<Watched> live = ConcurrentHashMap.newKeySet();

    static final class Watched extends PhantomReference<Lease> {
        private final Runnable onLeak;

        private Watched(Lease lease, ReferenceQueue<Lease> queue, Runnable onLeak) {
            super(lease, queue);
            this.onLeak = onLeak;
        }
    }

    /** {@code onLeak} must not reach {@code lease}, or the lease never becomes unreachable. */
    Watched watch(Lease lease, Runnable onLeak) {
        Watched w = new Watched(lease, queue, onLeak);
        live.add(w);
        return w;
    }

    /** The lease was closed normally: forget it. */
    void unwatch(Watched w) {
        if (live.remove(w)) {
            w.clear();
        }
    }

    /** Runs the leak action of every watched lease found unreachable since the last drain; returns how many. */
    int drain() {
        int found = 0;
        Reference<? extends Lease> r;
        while ((r = queue.poll()) != null) {
            Watched w = (Watched) r;
            if (live.remove(w)) {
                found++;
                w.onLeak.run();
            }
        }
        return found;
    }

    /** Leases watched and not yet closed or found leaked. */
    int watched() {
        return live.size();
    }
}
