package dev.hotserve.spring.autoconfigure;

import dev.hotserve.batch.Batching;
import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotModelBuilder;
import dev.hotserve.core.HotserveRuntime;
import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.engine.LoadOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Turns one {@code hotserve.models.<name>} entry into builder calls: the same {@link HotModel}
 * the server builds, with the server's production behaviour (directory watch, a request's
 * follow-ups on the loader threads, the optimised graph swapped in after the pickup) and the
 * models sharing one {@link HotserveRuntime}. Replace this bean to build models differently.
 */
public class HotModelFactory {

    private static final System.Logger LOG = System.getLogger(HotModelFactory.class.getName());

    private final HotserveRuntime runtime;
    private final HotserveReloadCounts counts;
    private final Path stateDir;
    private final Supplier<HotModelBatchObservers> batchObservers;

    /**
     * @param stateDir where a rollout writes down the stable version; null: {@code ~/.cache/hotserve/state}
     */
    public HotModelFactory(HotserveRuntime runtime, HotserveReloadCounts counts, Path stateDir) {
        this(runtime, counts, stateDir, () -> null);
    }

    /**
     * @param batchObservers asked once per model as it is built: the observer of its batchers, or
     *     none (a null supplier's answer) when no one counts them
     */
    public HotModelFactory(HotserveRuntime runtime, HotserveReloadCounts counts, Path stateDir, Supplier<HotModelBatchObservers> batchObservers) {
        this.runtime = runtime;
        this.counts = counts;
        this.stateDir = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".cache", "hotserve", "state");
        this.batchObservers = batchObservers;
    }

    /** Builds the model; its first load happens here. A missing or broken checkpoint never throws. */
    public HotModel create(String name, HotserveProperties.Model m) {
        HotModelBuilder b = HotModel.builder()
                .name(name)
                .runtime(runtime)
                .loadOptions(new LoadOptions(m.isJit(), m.getThreads(), OptionalInt.empty()))
                .mode(m.getReloadMode())
                .pollInterval(m.getPollInterval())
                .watch(true)
                .followUpOnLoader(true)
                .optimizeAfterSwap(true)
                .warmLoads(m.getWarmLoads())
                .glob(m.getGlob())
                .batching(Batching.of(m.getMaxBatchSize(), m.getMaxQueueDelay()).withAdaptiveDelay(m.isAdaptiveQueueDelay()))
                .rollout(rollout(name, m))
                .signatures(m.getSignatures())
                .listener(counts.listener(name));
        HotModelBatchObservers observers = batchObservers.get();
        if (observers != null) {
            b.batchObserver(observers.forModel(name));
        }
        if (m.getSettleWindow() != null) {
            b.settleWindow(m.getSettleWindow());
        }
        if (m.getStateDim() != null) {
            b.expectedStateDim(m.getStateDim());
        }
        if (!m.getTrustedKeys().isEmpty()) {
            b.trustedKeys(m.getTrustedKeys().stream().map(Path::toAbsolutePath).toArray(Path[]::new));
        }
        if (m.getSource() != null) {
            b.source(S3Sources.open(name, m));
        } else if (m.getPath() != null) {
            b.file(m.getPath().toAbsolutePath());
        } else if (m.getDir() != null) {
            b.directory(m.getDir().toAbsolutePath());
        }
        customize(name, m, b);
        HotModel model = b.build();
        LOG.log(System.Logger.Level.INFO, "model {0}: {1}", name, model.current()
                .map(v -> "serving " + v.path() + " (generation " + v.generation() + ", " + v.engine() + ")")
                .orElseGet(() -> "no model yet (" + model.status().lastError().map(f -> f.path() + ": " + f.reason())
                        .orElse("no checkpoint at " + model.status().source()) + ")"));
        return model;
    }

    /**
     * Called with each model's builder, fully set from its properties, just before {@code build()}:
     * override to add what properties cannot say (a listener, a loader, a checkpoint format).
     */
    protected void customize(String name, HotserveProperties.Model properties, HotModelBuilder builder) {}

    private RolloutPolicy rollout(String name, HotserveProperties.Model m) {
        HotserveProperties.Rollout r = m.getRollout();
        RolloutPolicy p = RolloutPolicy.defaults(r.getMode())
                .withShadowSamples(r.getShadowSamples())
                .withMaxDrift(r.getMaxDrift())
                .withShadowFraction(r.getShadowFraction())
                .withCanary(r.getCanaryFraction(), r.getCanaryDuration())
                .withGuardDuration(r.getGuardDuration());
        return p.immediate() ? p : p.withStateFile(stateDir.resolve(stateFileName(name, m)));
    }

    /**
     * {@code <name>.<source key>.stable.json}, keyed by the model's source as the server keys it,
     * so two applications sharing a state directory, or one whose dir changed, never read each
     * other's record.
     */
    static String stateFileName(String name, HotserveProperties.Model m) {
        String identity = m.getSource() != null ? "s3 " + m.getSource() + " " + (m.getS3Endpoint() == null ? "" : m.getS3Endpoint()) + " " + m.getGlob()
                : m.getPath() != null ? "file " + m.getPath().toAbsolutePath().normalize()
                : "dir " + (m.getDir() != null ? m.getDir() : Path.of("models", name)).toAbsolutePath().normalize() + " " + m.getGlob();
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return name + "." + HexFormat.of().formatHex(h, 0, 6) + ".stable.json";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
