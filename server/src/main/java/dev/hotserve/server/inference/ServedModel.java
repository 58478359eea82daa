package dev.hotserve.server.inference;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.server.config.ModelConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * One model as the server serves it: its configuration, its {@link HotModel}, the admission of
 * its requests (so an unload can drain them before closing the model) and the text each response
 * repeats about the serving version, computed once per version rather than per response.
 */
public final class ServedModel {

    /** Null for a model built elsewhere (an application's bean): the server did not configure it. */
    private final ModelConfig config;
    private final HotModel model;
    private final Gate gate = new Gate();
    private volatile VersionText text = new VersionText(null, "", "");

    /** What responses say about one version: its name (OIP's {@code model_version}) and mtime. */
    public record VersionText(ModelVersion version, String name, String mtime) {}

    ServedModel(ModelConfig config, HotModel model) {
        this.config = config;
        this.model = model;
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

    /** The version's name and mtime text, cached for the serving version. */
    public VersionText text(ModelVersion v) {
        VersionText t = text;
        if (t.version() != v) {
            t = new VersionText(v, Versions.name(v), v.mtime().toString());
            text = t;
        }
        return t;
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
