package dev.hotserve.server.inference;

import dev.hotserve.batch.BatchObserver;
import dev.hotserve.core.HotModel;
import dev.hotserve.server.config.ModelConfig;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The models the server serves now, by name. Requests look a model up here on every call, so a
 * model loaded at run time is served at once by every front end, and one unloaded disappears from
 * all of them.
 *
 * <p><b>Unload without failing a request.</b> A request admits itself into its model
 * ({@link #use}) before it leases a version, and leaves when it is done. {@link #unload} first
 * removes the model from the map (new requests get 404), then waits for the admitted ones to
 * finish (the drain), and only then closes the model. Loads and unloads are serialised; requests
 * take no lock.
 */
public final class ModelRegistry implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ModelRegistry.class.getName());

    private final ConcurrentHashMap<String, ServedModel> models = new ConcurrentHashMap<>();
    private final Set<String> loading = ConcurrentHashMap.newKeySet();
    private final Owner factory;
    private final Duration drainGrace;
    private final Object changes = new Object();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    /** Who builds the models of a registry from their configuration, and closes them: the server's {@link ModelFactory}. */
    public interface Owner {
        /**
         * Builds the model; its first load happens here.
         *
         * @param statistics to be told about the model's batched engine calls (its {@link Statistics})
         */
        HotModel create(ModelConfig config, BatchObserver statistics);

        /** Closes a model the registry no longer serves. */
        void release(HotModel model);

        /** The registry is closed; every model was released before. */
        void close();
    }

    /** The owner of models built and closed elsewhere: it builds none, and closes none. */
    private static final Owner ELSEWHERE = new Owner() {
        @Override
        public HotModel create(ModelConfig config, BatchObserver statistics) {
            throw new UnsupportedOperationException("model '" + config.name() + "': this registry serves models built elsewhere; it loads none");
        }

        @Override
        public void release(HotModel model) {
            // Its builder closes it.
        }

        @Override
        public void close() {
            // Nothing of its own to close.
        }
    };

    public ModelRegistry(Owner factory, Duration drainGrace) {
        this.factory = factory;
        this.drainGrace = drainGrace;
    }

    /**
     * A registry that serves models built and closed by someone else (an application's beans,
     * closed with its context), each under its own name. It never loads, replaces or closes one.
     *
     * @throws IllegalArgumentException when two models have the same name
     */
    public static ModelRegistry of(Collection<HotModel> models) {
        // Their batchers were built without our observer: their batched engine calls are not counted.
        return of(models, name -> Statistics.create());
    }

    /**
     * A registry of models built and closed elsewhere, each counted in the statistics
     * {@code statistics} gives for its name: where its builder was given that statistics'
     * {@link Statistics#batchObserver}, its batched engine calls are counted too.
     */
    public static ModelRegistry of(Collection<HotModel> models, Function<String, Statistics> statistics) {
        ModelRegistry registry = new ModelRegistry(ELSEWHERE, Duration.ZERO);
        for (HotModel m : models) {
            if (registry.models.putIfAbsent(m.name(), new ServedModel(null, m, statistics.apply(m.name()))) != null) {
                throw new IllegalArgumentException("two models are named '" + m.name() + "'");
            }
        }
        return registry;
    }

    /** Admits a request into the named model; close the use when done. */
    public ServedModel.Use use(String name) {
        ServedModel m = models.get(name);
        if (m == null || !m.enter()) {
            throw new UnknownModelException(name, names());
        }
        return m.use();
    }

    public Optional<ServedModel> find(String name) {
        return Optional.ofNullable(models.get(name));
    }

    /** Every served model, by name. */
    public List<ServedModel> all() {
        List<ServedModel> all = new ArrayList<>(models.values());
        all.sort(Comparator.comparing(ServedModel::name));
        return all;
    }

    public Set<String> names() {
        return new TreeSet<>(models.keySet());
    }

    /** Whether every served model has a loaded version: the server's readiness, on every transport. */
    public boolean ready() {
        return models.values().stream().allMatch(m -> m.model().current().isPresent());
    }

    /**
     * Calls {@code listener} after each change of the set of models (a model added, replaced or
     * removed), on the thread that made it; it must only hand over. A model added is in
     * {@link #all()} by then.
     */
    public void addChangeListener(Runnable listener) {
        listeners.add(listener);
    }

    private void changed() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a model registry listener failed", e);
            }
        }
    }

    /** Whether a model of that name is being loaded by {@link #load} right now. */
    public boolean loading(String name) {
        return loading.contains(name);
    }

    /**
     * Adds the model, or replaces the one of the same name: the new one is built (and tries its
     * first load) before it is swapped in, then the old one is drained and closed.
     */
    public ServedModel load(ModelConfig config) {
        ServedModel old;
        ServedModel added;
        synchronized (changes) {
            loading.add(config.name());
            try {
                // Fresh counters: a model loaded again starts counting anew, as Triton's does.
                Statistics statistics = new Statistics(InstantSource.system());
                HotModel model = factory.create(config, statistics.batchObserver());
                added = new ServedModel(config, model, statistics);
                old = models.put(config.name(), added);
            } finally {
                loading.remove(config.name());
            }
        }
        changed();
        if (old != null) {
            retire(old);
        }
        return added;
    }

    /**
     * Removes the model: new requests get 404 at once, admitted ones finish, then it is closed.
     *
     * @throws UnknownModelException when no model has that name
     */
    public void unload(String name) {
        ServedModel old;
        synchronized (changes) {
            old = models.remove(name);
        }
        if (old == null) {
            throw new UnknownModelException(name, names());
        }
        changed();
        retire(old);
    }

    private void retire(ServedModel old) {
        try {
            if (!old.drain(drainGrace)) {
                LOG.log(System.Logger.Level.WARNING, "model {0}: requests still running after {1}; closing it anyway (their leases keep"
                        + " the engine open until they end)", old.name(), drainGrace);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            factory.release(old.model());
        }
    }

    /** Closes every model (the server is stopping; its requests have drained already). */
    @Override
    public void close() {
        synchronized (changes) {
            for (ServedModel m : models.values()) {
                try {
                    factory.release(m.model());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "closing model " + m.name(), e);
                }
            }
            models.clear();
        }
        factory.close();
    }
}
