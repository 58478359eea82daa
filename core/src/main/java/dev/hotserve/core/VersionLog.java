package dev.hotserve.core;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A model's memory of what happened: the bounded history of loaded versions and the bounded reload
 * log, newest first, and the listeners told about each event. Writes come from the reloader (under
 * its lock) and from explicit operations; reads from any thread.
 *
 * <p>An event recorded under the reload lock is told to the listeners once the lock is released
 * ({@link #deliver()}), by the thread that recorded it before its operation returns (or, for a load
 * a request made, by the loader thread when the model leaves that follow-up to it), unless another
 * thread is delivering at that moment and takes it along: a request waiting for a load is answered
 * while the reload log line is written and the meters updated, not after. Listeners hear events in
 * the order they were recorded, one event at a time.
 */
final class VersionLog {

    private static final System.Logger LOG = System.getLogger(VersionLog.class.getName());

    private final String model;
    private final int historySize;
    private final int eventLogSize;
    private final Deque<ModelVersion> history = new ArrayDeque<>();
    private final Deque<ReloadEvent> events = new ArrayDeque<>();
    private final List<Consumer<ReloadEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock reloadLock;
    private final ConcurrentLinkedQueue<ReloadEvent> undelivered = new ConcurrentLinkedQueue<>();
    private final ReentrantLock delivery = new ReentrantLock();
    /** Whether the reload lock's holder recorded an event it has yet to deliver; guarded by that lock. */
    private boolean recordedUnderLock;

    /** @param reloadLock while the recording thread holds it, listeners hear of an event only at {@link #deliver()} */
    VersionLog(String model, int historySize, int eventLogSize, List<Consumer<ReloadEvent>> listeners, ReentrantLock reloadLock) {
        this.model = model;
        this.historySize = historySize;
        this.eventLogSize = eventLogSize;
        this.listeners.addAll(listeners);
        this.reloadLock = reloadLock;
    }

    void loaded(ModelVersion v) {
        synchronized (history) {
            history.addFirst(v);
            while (history.size() > historySize) {
                history.removeLast();
            }
        }
    }

    /** Logs {@code e}, then tells the listeners on this thread, at once or when the reload lock is released. */
    void record(ReloadEvent e) {
        synchronized (events) {
            events.addFirst(e);
            while (events.size() > eventLogSize) {
                events.removeLast();
            }
            undelivered.add(e); // in the order of the log
        }
        if (reloadLock.isHeldByCurrentThread()) {
            recordedUnderLock = true;
        } else {
            deliver();
        }
    }

    /**
     * For the reload lock's holder about to release it for the last time: whether it recorded events
     * there, which it then delivers. A holder that recorded nothing leaves the queue to the thread
     * whose events are in it (a request that waited for a load does not run the loader's listeners).
     */
    boolean takeRecordedUnderLock() {
        boolean r = recordedUnderLock;
        recordedUnderLock = false;
        return r;
    }

    /**
     * Tells the listeners every event not yet told, oldest first; a failing listener is logged, not
     * fatal. One thread delivers at a time, which keeps the order; a thread that finds another
     * delivering leaves its events to it rather than wait (the deliverer looks again after it is done).
     */
    void deliver() {
        while (!undelivered.isEmpty() && delivery.tryLock()) {
            try {
                ReloadEvent e;
                while ((e = undelivered.poll()) != null) {
                    for (Consumer<ReloadEvent> l : listeners) {
                        try {
                            l.accept(e);
                        } catch (RuntimeException ex) {
                            LOG.log(System.Logger.Level.WARNING, "model '" + model + "': a reload listener failed on " + e.kind(), ex);
                        }
                    }
                }
            } finally {
                delivery.unlock();
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
