package dev.hotserve.source.local;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Wakes a model the moment a file it may serve appears or changes in its directory (inotify on
 * Linux), so that a checkpoint renamed into place starts loading before any request or poll asks
 * for it: the rename-to-load-start delay leaves the pickup path (issue 8).
 *
 * <p>Only an accelerator: a model's freshness is still decided by its own stat on the request path
 * and its poller, so an event lost, coalesced or never delivered (an overflow, a file system
 * without notifications, a directory made after the model) costs speed, never correctness. A
 * wake-up gives the model the names that changed, which move its directory listing on without a
 * listing ({@link Resolver#noticed}), and queues its background refresh, which runs on the
 * runtime's loader and collapses with any other queued one.
 *
 * <p>One watch service and one thread serve every model of a runtime, started on the first
 * registration: the thread count does not grow with the models.
 */
public final class DirectoryWatch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DirectoryWatch.class.getName());

    /** A model's interest in one directory. */
    private record Registration(Path directory, Predicate<Path> names, Consumer<List<Path>> onChange) {}

    private final Object lock = new Object();
    private final Map<WatchKey, List<Registration>> byKey = new HashMap<>(); // guarded by lock
    private WatchService service; // guarded by lock; null until the first registration
    private Thread thread; // guarded by lock
    private boolean closed; // guarded by lock

    /**
     * Calls {@code onChange} (on the watch thread: it must only hand over) whenever an entry of
     * {@code directory} whose name {@code names} accepts is created, renamed in or written.
     *
     * @return the handle that ends the registration; a no-op one when the directory cannot be
     *     watched (it does not exist yet, or the file system gives no notifications)
     */
    AutoCloseable register(Path directory, Predicate<Path> names, Runnable onChange) {
        return register(directory, names, changed -> onChange.run());
    }

    /**
     * As {@link #register(Path, Predicate, Runnable)}, telling {@code onChange} which names changed
     * (relative to the directory); an empty list when events were lost and any name may have.
     */
    AutoCloseable register(Path directory, Predicate<Path> names, Consumer<List<Path>> onChange) {
        Registration r = new Registration(directory, names, onChange);
        WatchKey key;
        synchronized (lock) {
            if (closed) {
                return () -> {};
            }
            try {
                if (service == null) {
                    service = FileSystems.getDefault().newWatchService();
                    thread = new Thread(this::run, "hotserve-watch-1");
                    thread.setDaemon(true);
                    thread.start();
                }
                // The same directory registered twice gives back the same key.
                key = directory.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            } catch (IOException | UnsupportedOperationException e) {
                LOG.log(System.Logger.Level.DEBUG, "cannot watch {0} ({1}); new checkpoints are found by requests and polls", directory, e);
                return () -> {};
            }
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        return () -> unregister(key, r);
    }

    private void unregister(WatchKey key, Registration r) {
        synchronized (lock) {
            List<Registration> regs = byKey.get(key);
            if (regs != null && regs.remove(r) && regs.isEmpty()) {
                byKey.remove(key);
                key.cancel();
            }
        }
    }

    private void run() {
        WatchService ws;
        synchronized (lock) {
            ws = service;
        }
        try {
            for (;;) {
                WatchKey key = ws.take();
                List<Registration> regs;
                synchronized (lock) {
                    regs = List.copyOf(byKey.getOrDefault(key, List.of()));
                }
                // The names each registration is told of; an overflow empties its list for good (all may have changed).
                Map<Registration, List<Path>> woken = new LinkedHashMap<>();
                Set<Registration> overflowed = new HashSet<>();
                for (WatchEvent<?> e : key.pollEvents()) {
                    for (Registration r : regs) {
                        if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                            overflowed.add(r);
                            woken.put(r, List.of());
                        } else if (e.context() instanceof Path name && r.names.test(name) && !overflowed.contains(r)) {
                            List<Path> seen = woken.computeIfAbsent(r, k -> new ArrayList<>(2));
                            if (!seen.contains(name)) {
                                seen.add(name);
                            }
                        }
                    }
                }
                key.reset();
                for (Map.Entry<Registration, List<Path>> w : woken.entrySet()) {
                    try {
                        w.getKey().onChange.accept(w.getValue());
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "a change listener on " + w.getKey().directory + " failed", e);
                    }
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed: the thread ends
        }
    }

    /** Stops watching; the thread ends. Idempotent. */
    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            byKey.clear();
            t = thread;
            if (service != null) {
                try {
                    service.close();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "closing the directory watch failed", e);
                }
            }
        }
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
