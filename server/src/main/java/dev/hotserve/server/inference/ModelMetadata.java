package dev.hotserve.server.inference;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.engine.TensorSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A model's metadata as the Open Inference Protocol gives it, built here once from the version
 * that answers; REST writes it as JSON ({@code parameters}), gRPC as a message ({@code properties}).
 *
 * @param version the version it describes (REST names it in the response headers)
 * @param parameters beyond the protocol's fields: the version's sha256 and generation (so a script
 *     can check that a fleet converged), the signer when a signature was verified, and the
 *     batching and rollout settings
 */
public record ModelMetadata(String name, ModelVersion version, List<String> versions, String platform, List<TensorSpec> inputs,
        List<TensorSpec> outputs, Map<String, String> parameters) {

    public ModelMetadata {
        versions = List.copyOf(versions);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters)); // in the order written
    }

    /**
     * The metadata of the version {@code version} designates (empty: whatever serves). Leases that
     * version, so it may load one (blocking reload mode, or nothing serving yet).
     *
     * @throws UnknownModelException or {@link UnknownVersionException} for a name that is not served
     */
    public static ModelMetadata of(ModelRegistry registry, String model, Optional<String> version) {
        try (ServedModel.Use use = registry.use(model); Lease lease = Versions.acquire(use.served(), version, Optional.empty())) {
            ModelVersion v = lease.version();
            List<TensorSpec> outputs = new ArrayList<>(lease.signature().outputs());
            if (ActionOutput.byDefault(lease.head())) {
                outputs.add(ActionOutput.spec(lease.head()));
            }
            return new ModelMetadata(use.served().name(), v, List.of(use.served().text(v).name()), platform(v.engine()),
                    lease.signature().inputs(), outputs, parameters(use.model(), v));
        }
    }

    /** The protocol's platform names (Triton's) for our engines. */
    static String platform(String engine) {
        return switch (engine) {
            case "onnx" -> "onnxruntime_onnx";
            case "torchscript" -> "pytorch_torchscript";
            default -> engine;
        };
    }

    private static Map<String, String> parameters(HotModel m, ModelVersion v) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sha256", v.sha256());
        p.put("generation", Long.toString(v.generation()));
        v.signer().ifPresent(who -> p.put("signer", who)); // only a verified signature names one
        p.put("max_batch_size", Integer.toString(m.batching().enabled() ? m.batching().maxBatchSize() : 0));
        p.put("max_queue_delay_ms", Double.toString(m.batching().maxQueueDelay().toNanos() / 1e6));
        p.put("adaptive_queue_delay", Boolean.toString(m.batching().adaptiveDelay()));
        p.put("rollout", m.rolloutPolicy().mode().name().toLowerCase(Locale.ROOT));
        return p;
    }
}
