package dev.hotserve.spring.autoconfigure;

import dev.hotserve.core.ReloadMode;
import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.signing.SignatureMode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * {@code hotserve.*}: one entry under {@code hotserve.models.<name>} per model, with the keys of a
 * model entry of the server's config file in kebab case ({@code reload_mode} becomes
 * {@code reload-mode}). Bound as a JavaBean that is its own {@link Validator}: Spring Boot
 * validates a bound JavaBean with itself when it is one, and reports each rejected value through
 * its failure analysis with the property's name, value and reason, so a bad value stops start-up
 * with a message naming it, without a Bean Validation provider on the class path.
 */
@ConfigurationProperties(prefix = HotserveProperties.PREFIX)
public class HotserveProperties implements Validator {

    public static final String PREFIX = "hotserve";

    /** The models, by name; each becomes a HotModel bean of that name. */
    private Map<String, Model> models = new LinkedHashMap<>();

    /**
     * Where a model with a rollout other than immediate writes down its stable version (the
     * server's state_dir); default ~/.cache/hotserve/state.
     */
    private Path stateDir;

    private final Web web = new Web();

    public Web getWeb() {
        return web;
    }

    public Map<String, Model> getModels() {
        return models;
    }

    public void setModels(Map<String, Model> models) {
        this.models = models;
    }

    public Path getStateDir() {
        return stateDir;
    }

    public void setStateDir(Path stateDir) {
        this.stateDir = stateDir;
    }

    @Override
    public boolean supports(Class<?> type) {
        return HotserveProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        HotservePropertiesValidator.validate((HotserveProperties) target, errors);
    }

    /** {@code hotserve.models.<name>.*}: one model. Unset keys take the server's defaults. */
    public static class Model {

        /** An explicit checkpoint file; missing means "no checkpoint yet". Give path, dir or source, not two. */
        private Path path;

        /** Follow the newest file matching the glob in this directory; default models/<name>/ under the working directory. */
        private Path dir;

        /** Checkpoints in object storage: s3://bucket/prefix/ (needs hotserve-source-s3 on the class path). */
        private String source;

        /** Which names in dir (or keys under source) are checkpoints. */
        private String glob = "model_*.{onnx,pt}";

        /** The engine's graph optimisation (the server's HOTSERVE_JIT). */
        private boolean jit = true;

        /** blocking: a request after a newer file loads it first; background: no request ever waits for a load. */
        private ReloadMode reloadMode = ReloadMode.BLOCKING;

        /** Look for a newer checkpoint this often even with no traffic; 0: only on requests and directory events (an S3 source: every 2 s). */
        private Duration pollInterval = Duration.ZERO;

        /** Intra-op threads per loaded model. */
        private int threads = 1;

        /** After the first load, loads of the serving checkpoint in the background, thrown away, so the first pickup hours later runs compiled code; 0: none. */
        private int warmLoads = 16;

        /** How long a file in no known format must stay unchanged before it loads; default 50ms. */
        private Duration settleWindow;

        /** Refuse checkpoints of another input width; unset: any. */
        private Integer stateDim;

        /** Dynamic batching: most requests in one engine call; 0: off. */
        private int maxBatchSize;

        /** Dynamic batching: how long a batch waits for more requests. */
        private Duration maxQueueDelay = Duration.ZERO;

        /** Dynamic batching: wait only while more than one request is in flight. */
        private boolean adaptiveQueueDelay;

        /** An S3-compatible store (http:// or https://); unset: AWS. */
        private URI s3Endpoint;

        /** Where an S3 source stages checkpoints (a folder per model under it); default ~/.cache/hotserve. */
        private Path cacheDir;

        /** Staged checkpoints kept per model (for rollback). */
        private int cacheKeep = 3;

        /** What a load does with the checkpoint's .sig: off, warn or enforce. */
        private SignatureMode signatures = SignatureMode.OFF;

        /** PEM files of the public keys and CA certificates a signature must chain to. */
        private List<Path> trustedKeys = new ArrayList<>();

        private final Rollout rollout = new Rollout();

        public Path getPath() {
            return path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

        public Path getDir() {
            return dir;
        }

        public void setDir(Path dir) {
            this.dir = dir;
        }

        public String getSource() {
            return source;
        }

        public void setSource(String source) {
            this.source = source;
        }

        public String getGlob() {
            return glob;
        }

        public void setGlob(String glob) {
            this.glob = glob;
        }

        public boolean isJit() {
            return jit;
        }

        public void setJit(boolean jit) {
            this.jit = jit;
        }

        public ReloadMode getReloadMode() {
            return reloadMode;
        }

        public void setReloadMode(ReloadMode reloadMode) {
            this.reloadMode = reloadMode;
        }

        public Duration getPollInterval() {
            return pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        public int getWarmLoads() {
            return warmLoads;
        }

        public void setWarmLoads(int warmLoads) {
            this.warmLoads = warmLoads;
        }

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }

        public Duration getSettleWindow() {
            return settleWindow;
        }

        public void setSettleWindow(Duration settleWindow) {
            this.settleWindow = settleWindow;
        }

        public Integer getStateDim() {
            return stateDim;
        }

        public void setStateDim(Integer stateDim) {
            this.stateDim = stateDim;
        }

        public int getMaxBatchSize() {
            return maxBatchSize;
        }

        public void setMaxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
        }

        public Duration getMaxQueueDelay() {
            return maxQueueDelay;
        }

        public void setMaxQueueDelay(Duration maxQueueDelay) {
            this.maxQueueDelay = maxQueueDelay;
        }

        public boolean isAdaptiveQueueDelay() {
            return adaptiveQueueDelay;
        }

        public void setAdaptiveQueueDelay(boolean adaptiveQueueDelay) {
            this.adaptiveQueueDelay = adaptiveQueueDelay;
        }

        public URI getS3Endpoint() {
            return s3Endpoint;
        }

        public void setS3Endpoint(URI s3Endpoint) {
            this.s3Endpoint = s3Endpoint;
        }

        public Path getCacheDir() {
            return cacheDir;
        }

        public void setCacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
        }

        public int getCacheKeep() {
            return cacheKeep;
        }

        public void setCacheKeep(int cacheKeep) {
            this.cacheKeep = cacheKeep;
        }

        public SignatureMode getSignatures() {
            return signatures;
        }

        public void setSignatures(SignatureMode signatures) {
            this.signatures = signatures;
        }

        public List<Path> getTrustedKeys() {
            return trustedKeys;
        }

        public void setTrustedKeys(List<Path> trustedKeys) {
            this.trustedKeys = trustedKeys;
        }

        public Rollout getRollout() {
            return rollout;
        }
    }

    /** {@code hotserve.web.*}: the models' REST routes in the application's own web server. */
    public static class Web {

        /**
         * Serve the models' native routes (/<model>/predict, /<model>/health, ...) and the Open
         * Inference Protocol's (/v2/...) from the application's Spring MVC, with the standalone
         * server's bodies and status codes. Needs hotserve-server on the class path (the starter
         * brings it). The admin routes (reload, rollback, promote) are not served: call the bean.
         */
        private boolean enabled;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** {@code hotserve.models.<name>.rollout.*}: how a new checkpoint goes live (README, "Rolling out a new policy safely"). */
    public static class Rollout {

        private static final RolloutPolicy DEFAULTS = RolloutPolicy.defaults(RolloutPolicy.Mode.IMMEDIATE);

        /** immediate, shadow or canary. */
        private RolloutPolicy.Mode mode = RolloutPolicy.Mode.IMMEDIATE;

        /** Shadow comparisons before a candidate may be promoted. */
        private int shadowSamples = DEFAULTS.shadowSamples();

        /** Largest allowed absolute difference of deterministic actions, candidate vs stable. */
        private double maxDrift = DEFAULTS.maxDrift();

        /** Share of requests also run on the candidate during shadow, in (0, 1]. */
        private double shadowFraction = DEFAULTS.shadowFraction();

        /** Share of requests the candidate answers during the canary, in (0, 1]. */
        private double canaryFraction = DEFAULTS.canaryFraction();

        /** How long the canary lasts. */
        private Duration canaryDuration = DEFAULTS.canaryDuration();

        /** How long the previous version stays loaded after a promotion, ready to serve again. */
        private Duration guardDuration = DEFAULTS.guardDuration();

        public RolloutPolicy.Mode getMode() {
            return mode;
        }

        public void setMode(RolloutPolicy.Mode mode) {
            this.mode = mode;
        }

        public int getShadowSamples() {
            return shadowSamples;
        }

        public void setShadowSamples(int shadowSamples) {
            this.shadowSamples = shadowSamples;
        }

        public double getMaxDrift() {
            return maxDrift;
        }

        public void setMaxDrift(double maxDrift) {
            this.maxDrift = maxDrift;
        }

        public double getShadowFraction() {
            return shadowFraction;
        }

        public void setShadowFraction(double shadowFraction) {
            this.shadowFraction = shadowFraction;
        }

        public double getCanaryFraction() {
            return canaryFraction;
        }

        public void setCanaryFraction(double canaryFraction) {
            this.canaryFraction = canaryFraction;
        }

        public Duration getCanaryDuration() {
            return canaryDuration;
        }

        public void setCanaryDuration(Duration canaryDuration) {
            this.canaryDuration = canaryDuration;
        }

        public Duration getGuardDuration() {
            return guardDuration;
        }

        public void setGuardDuration(Duration guardDuration) {
            this.guardDuration = guardDuration;
        }
    }
}
