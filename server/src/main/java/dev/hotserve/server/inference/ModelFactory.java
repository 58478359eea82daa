package dev.hotserve.server.inference;

import dev.hotserve.batch.BatchObserver;
import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotModelBuilder;
import dev.hotserve.core.HotserveRuntime;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.server.config.ModelConfig;
import dev.hotserve.server.config.ModelSource;
import dev.hotserve.server.metrics.ServerMetrics;
import dev.hotserve.source.s3.S3CheckpointSource;
import dev.hotserve.signing.SignatureMode;
import dev.hotserve.source.s3.S3SourceSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.util.OptionalInt;

/**
 * Builds a {@link HotModel} from a model's configuration, with the server's metrics listening,
 * and takes it down again. Owns the temporary directory of the bundled demo model.
 */
public final class ModelFactory implements ModelRegistry.Owner, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ModelFactory.class.getName());
    public static final String DEMO_RESOURCE = "/dev/hotserve/server/demo/model_demo.onnx";

    private final ServerMetrics metrics;
    private final HotserveRuntime runtime;
    private Path demoDir; // guarded by this

    /** @param runtime the engines and threads every model shares (closed by the server, not here) */
    public ModelFactory(ServerMetrics metrics, HotserveRuntime runtime) {
        this.metrics = metrics;
        this.runtime = runtime;
    }

    /** Builds the model; its first load happens here. Never fails for a missing or broken checkpoint. */
    @Override
    public HotModel create(ModelConfig m, BatchObserver statistics) {
        HotModelBuilder b = HotModel.builder()
                .name(m.name())
                .runtime(runtime)
                .loadOptions(new LoadOptions(m.jit(), m.threads(), OptionalInt.empty()))
                .mode(m.mode())
                .pollInterval(m.pollInterval())
                .watch(true)
                .followUpOnLoader(true)
                .optimizeAfterSwap(true)
                .warmLoads(m.warmLoads())
                .batching(m.batching())
                .rollout(m.rollout())
                .batchObserver(metrics.batchObserver(m.name()).and(statistics))
                .requestsInFlight(metrics::inFlight)
                .listener(metrics.reloadListener(m.name()));
        m.settleWindow().ifPresent(b::settleWindow);
        m.stateDim().ifPresent(b::expectedStateDim);
        b.signatures(m.signatures()).trustedKeys(m.trustedKeys().toArray(Path[]::new));
        switch (m.source()) {
            case ModelSource.File f -> b.file(f.path());
            case ModelSource.Directory d -> {
                b.directory(d.dir());
                d.glob().ifPresent(b::glob);
            }
            case ModelSource.S3 s3 -> b.source(openS3(s3, m.signatures() != SignatureMode.OFF));
            case ModelSource.Demo demo -> b.file(copyDemo(m.name()));
        }
        HotModel model = b.build();
        metrics.bind(model);
        LOG.log(System.Logger.Level.INFO, "model {0}: {1}", m.name(), model.current()
                .map(v -> "serving " + v.path() + " (generation " + v.generation() + ", " + v.engine() + ")")
                .orElseGet(() -> "no model yet (" + model.status().lastError().map(f -> f.path() + ": " + f.reason())
                        .orElse("no checkpoint at " + model.status().source()) + "); answering 503 until one loads"));
        return model;
    }

    /**
     * The model's S3 source, polled once here so that the first checkpoint loads during start-up
     * as a local one would (a store that cannot be reached costs one refused connection or the
     * call timeout, and the model answers 503 until a later poll succeeds).
     */
    private static S3CheckpointSource openS3(ModelSource.S3 s3, boolean signatures) {
        S3SourceSettings settings = S3SourceSettings.of(s3.location(), s3.endpoint(), s3.cacheDir()).withKeepStaged(s3.keepStaged())
                .withSignatures(signatures);
        if (s3.glob().isPresent()) {
            settings = settings.withGlob(s3.glob().get());
        }
        S3CheckpointSource source = S3CheckpointSource.open(settings, InstantSource.system());
        source.poll();
        return source;
    }

    /** Closes the model (its last lease closes the engine) and drops its meters. */
    @Override
    public void release(HotModel model) {
        try {
            model.close();
        } finally {
            metrics.unbind(model.name());
        }
    }

    private synchronized Path copyDemo(String name) {
        try {
            if (demoDir == null) {
                demoDir = Files.createTempDirectory("hotserve-demo");
            }
            Path target = demoDir.resolve(name + "_demo.onnx");
            try (InputStream in = ModelFactory.class.getResourceAsStream(DEMO_RESOURCE)) {
                if (in == null) {
                    // Not fatal: the model answers 503 and its info says the file is missing.
                    LOG.log(System.Logger.Level.WARNING, "the bundled demo model {0} is not on the class path", DEMO_RESOURCE);
                    return target;
                }
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the bundled demo model", e);
        }
    }

    /** Deletes the demo model's temporary copy, if any. */
    @Override
    public synchronized void close() {
        if (demoDir == null) {
            return;
        }
        try (var files = Files.list(demoDir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(demoDir);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not delete " + demoDir, e);
        }
        demoDir = null;
    }
}
