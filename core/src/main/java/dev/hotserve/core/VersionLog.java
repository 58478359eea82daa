package dev.hotserve.core;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A model's memory of what happened: the bounded history of loaded versions and the bounded reload
 * log, newest first, and the listeners told about each event. Writes come from the reloader (under
 * its lock) and from explicit operations; reads from any thread.
 */
final class VersionLog {

    private static final System.Logger LOG = System.getLogger(VersionLog.class.getName());

    private final String model;
    private final int historySize;
    private final int eventLogSize;
    private final Deque<ModelVersion> history = new ArrayDeque<>();
    private final Deque<ReloadEvent> events = new ArrayDeque<>();
    private final List<Consumer<ReloadEvent>> listeners = new CopyOnWriteArrayList<>();

    VersionLog(String model, int historySize, int eventLogSize, List<Consumer<ReloadEvent>> listeners) {
        this.model = model;
        this.historySize = historySize;
        this.eventLogSize = eventLogSize;
        this.listeners.addAll(listeners);
    }

    void loaded(ModelVersion v) {
        synchronized (history) {
            history.addFirst(v);
            while (history.size() > historySize) {
                history.removeLast();
            }
        }
    }

    /** Logs {@code e}, then tells every listener on this thread; a failing listener is logged, not fatal. */
    void record(ReloadEvent e) {
        synchronized (events) {
            events.addFirst(e);
            while (events.size() > eventLogSize) {
                events.removeLast();
            }
        }
        for (Consumer<ReloadEvent> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "model '" + model + "': a reload listener failed on " + e.kind(), ex);
            }
        }
    }

    void addListener(Consumer<ReloadEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    List<ModelVersion> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    List<ReloadEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }
}
