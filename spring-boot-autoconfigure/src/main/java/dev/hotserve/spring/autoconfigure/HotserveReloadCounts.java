package dev.hotserve.spring.autoconfigure;

import dev.hotserve.core.ReloadEvent;
import dev.hotserve.core.ReloadKind;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Each model's reload events counted from its first load on. The models are built (and make
 * their first load) before the application's {@code MeterRegistry} binds any meter, so the meters
 * read these counts instead of being incremented by the events: a scrape then shows the first
 * load however late the registry came.
 */
public final class HotserveReloadCounts {

    private final Map<String, Tally> tallies = new ConcurrentHashMap<>();

    /** The listener to give the model's builder (or {@code HotModel.addListener}). */
    public Consumer<ReloadEvent> listener(String model) {
        Tally t = tally(model);
        return t::record;
    }

    /** Whether a listener for {@code model} was handed out, so its events are being counted. */
    public boolean counts(String model) {
        return tallies.containsKey(model);
    }

    Tally tally(String model) {
        return tallies.computeIfAbsent(model, m -> new Tally());
    }

    /** One model's counts; the callbacks run after each event, on the thread that recorded it. */
    static final class Tally {
        private final Map<ReloadKind, AtomicLong> byKind = new EnumMap<>(ReloadKind.class);
        private final AtomicLong loads = new AtomicLong();
        private final AtomicLong loadNanos = new AtomicLong();
        private final List<Runnable> afterEvent = new CopyOnWriteArrayList<>();

        Tally() {
            for (ReloadKind k : ReloadKind.values()) {
                byKind.put(k, new AtomicLong());
            }
        }

        void record(ReloadEvent e) {
            byKind.get(e.kind()).incrementAndGet();
            if (e.newGeneration() > e.oldGeneration()) {
                loadNanos.addAndGet(e.duration().toNanos());
                loads.incrementAndGet();
            }
            for (Runnable r : afterEvent) {
                r.run();
            }
        }

        long count(ReloadKind kind) {
            return byKind.get(kind).get();
        }

        long loads() {
            return loads.get();
        }

        double loadSeconds() {
            return loadNanos.get() / 1e9;
        }

        void afterEvent(Runnable r) {
            afterEvent.add(r);
        }
    }
}
