package dev.hotserve.server.inference;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.server.config.ModelConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One model as the server serves it: its configuration, its {@link HotModel}, the admission of
 * its requests (so an unload can drain them before closing the model), its {@link Statistics}, and
 * the text each response repeats about the serving version, computed once per version rather than
 * per response (with that version's counters).
 */
public final class ServedModel {

    /** Null for a model built elsewhere (an application's bean): the server did not configure it. */
    private final ModelConfig config;
    private final HotModel model;
    private final Gate gate = new Gate();
    private final Statistics statistics;
    private volatile VersionText text = new VersionText(null, "", "", null);

    /**
     * What responses say about one version: its name (OIP's {@code model_version}) and mtime; and
     * where its requests are counted.
     */
    public record VersionText(ModelVersion version, String name, String mtime, Statistics.Version statistics) {}

    ServedModel(ModelConfig config, HotModel model, Statistics statistics) {
        this.config = config;
        this.model = model;
        this.statistics = statistics;
    }

    public String name() {
        return model.name();
    }

    /** The configuration the server built the model from; empty for a model built elsewhere. */
    public Optional<ModelConfig> config() {
        return Optional.ofNullable(config);
    }

    public HotModel model() {
        return model;
    }

    public Statistics statistics() {
        return statistics;
    }

    /** The version's name and mtime text, cached for the serving version. */
    public VersionText text(ModelVersion v) {
        VersionText t = text;
        if (t.version() != v) {
            String name = Versions.name(v);
            t = new VersionText(v, name, v.mtime().toString(), statistics.meet(name, () -> loaded(name)));
            text = t;
        }
        return t;
    }

    /** The names of the versions loaded now: {@code also}, what serves and a rollout's candidate. */
    public List<String> loaded(String also) {
        List<String> names = new ArrayList<>(3);
        if (also != null) {
            names.add(also);
        }
        model.current().map(Versions::name).filter(n -> !names.contains(n)).ifPresent(names::add);
        model.status().rollout().candidate().map(Versions::name).filter(n -> !names.contains(n)).ifPresent(names::add);
        return names;
    }

    boolean enter() {
        return gate.enter();
    }

    void exit() {
        gate.exit();
    }

    /** Refuses new requests and waits for the admitted ones; false when some still ran after {@code grace}. */
    boolean drain(Duration grace) throws InterruptedException {
        return gate.closeAndAwait(grace);
    }

    /** A request's use of the model, from admission to {@link #close()}. */
    public final class Use implements AutoCloseable {
        private boolean closed;

        public ServedModel served() {
            return ServedModel.this;
        }

        public HotModel model() {
            return model;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                exit();
            }
        }
    }

    Use use() {
        return new Use();
    }
}
