package dev.hotserve.server.metrics;

import dev.hotserve.core.ReloadEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Delivers each reload event exactly once, although the model may already have logged events
 * (its first load) before the listener was added: the listener goes on first, then the events
 * logged so far are replayed, and an event seen both ways is handled once.
 */
final class ReloadRecorder implements Consumer<ReloadEvent> {

    private final Consumer<ReloadEvent> sink;
    private final Set<ReloadEvent> seenLive = new HashSet<>();
    private final Set<ReloadEvent> replayed = new HashSet<>();
    private boolean backfilled;

    ReloadRecorder(Consumer<ReloadEvent> sink) {
        this.sink = sink;
    }

    @Override
    public synchronized void accept(ReloadEvent e) {
        if (backfilled) {
            if (!replayed.remove(e)) {
                sink.accept(e);
            }
        } else if (seenLive.add(e)) {
            sink.accept(e);
        }
    }

    /** @param logged the model's events, newest first */
    synchronized void backfill(List<ReloadEvent> logged) {
        List<ReloadEvent> oldestFirst = new ArrayList<>(logged);
        Collections.reverse(oldestFirst);
        for (ReloadEvent e : oldestFirst) {
            if (!seenLive.contains(e)) {
                sink.accept(e);
                replayed.add(e);
            }
        }
        seenLive.clear();
        backfilled = true;
    }
}
