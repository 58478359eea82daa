package dev.hotserve.server.inference;

import dev.hotserve.batch.Batching;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.engine.DataType;
import dev.hotserve.engine.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A model's configuration as Triton's model-configuration extension gives it, built from the
 * version that answers; REST writes it as Triton's JSON, gRPC as {@code inference.ModelConfig}.
 * Only what is true of hotserve is said: no instance groups, version policy or optimisation
 * settings, which hotserve does not have in Triton's sense.
 *
 * <p><b>Batching, as Triton reads it.</b> A version that batches (dynamic batching on and a model
 * of rows) has a {@code max_batch_size}, and its tensors' {@code dims} leave out the batch
 * dimension; any other version has {@code max_batch_size} 0 and its tensors' full shapes. So a
 * model whose settings ask for batching but whose tensors are not rows says 0: its requests run
 * alone.
 *
 * @param version the version it describes (REST names it in the response headers)
 * @param dynamicBatching present where the version batches
 */
public record ModelConfiguration(String name, ModelVersion version, String platform, String backend, int maxBatchSize,
        List<Tensor> inputs, List<Tensor> outputs, Optional<DynamicBatching> dynamicBatching) {

    public ModelConfiguration {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * One input or output.
     *
     * @param tritonType Triton's name of the datatype ({@code TYPE_FP32}, ...)
     * @param dims without the batch dimension where the model batches; {@code -1} a variable one
     */
    public record Tensor(String name, String tritonType, long[] dims) {
        public Tensor {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && t.name.equals(name) && t.tritonType.equals(tritonType) && Arrays.equals(t.dims, dims);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(dims);
        }

        @Override
        public String toString() {
            return name + " " + tritonType + Arrays.toString(dims);
        }
    }

    /**
     * @param maxQueueDelayMicros how long a batch may wait to fill
     * @param maxQueueSize requests that may wait at once (Triton's {@code default_queue_policy.max_queue_size})
     */
    public record DynamicBatching(long maxQueueDelayMicros, int maxQueueSize) {}

    /**
     * The configuration of the version {@code version} designates (empty: whatever serves). Leases
     * that version, so it may load one (blocking reload mode, or nothing serving yet).
     *
     * @throws UnknownModelException or {@link UnknownVersionException} for a name that is not served
     */
    public static ModelConfiguration of(ModelRegistry registry, String model, Optional<String> version) {
        try (ServedModel.Use use = registry.use(model); Lease lease = Versions.acquire(use.served(), version, Optional.empty())) {
            boolean batched = lease.batched();
            List<TensorSpec> outputs = new ArrayList<>(lease.signature().outputs());
            if (ActionOutput.byDefault(lease.head())) {
                outputs.add(ActionOutput.spec(lease.head()));
            }
            Batching b = use.model().batching();
            ModelVersion v = lease.version();
            return new ModelConfiguration(use.served().name(), v, platform(v.engine()), backend(v.engine()),
                    batched ? b.maxBatchSize() : 0, tensors(lease.signature().inputs(), batched), tensors(outputs, batched),
                    batched ? Optional.of(new DynamicBatching(b.maxQueueDelay().toNanos() / 1000, b.maxQueuedRequests())) : Optional.empty());
        }
    }

    private static List<Tensor> tensors(List<TensorSpec> specs, boolean batched) {
        return specs.stream().map(s -> {
            long[] shape = s.shape();
            return new Tensor(s.name(), tritonType(s.type()), batched && shape.length > 0 ? Arrays.copyOfRange(shape, 1, shape.length) : shape);
        }).toList();
    }

    /** Triton's name of a datatype in a model configuration: the protocol's name after {@code TYPE_}, BYTES as {@code TYPE_STRING}. */
    public static String tritonType(DataType type) {
        String wire = type.wireName();
        return wire.equals("BYTES") ? "TYPE_STRING" : "TYPE_" + wire;
    }

    /**
     * Triton's platform of our engines in a model configuration, where TorchScript is
     * {@code pytorch_libtorch} (the metadata's {@code platform} says {@code pytorch_torchscript}, as SPEC §8 has it).
     */
    private static String platform(String engine) {
        return switch (engine) {
            case "onnx" -> "onnxruntime_onnx";
            case "torchscript" -> "pytorch_libtorch";
            default -> engine;
        };
    }

    /** Triton's backend of our engines. */
    private static String backend(String engine) {
        return switch (engine) {
            case "onnx" -> "onnxruntime";
            case "torchscript" -> "pytorch";
            default -> engine;
        };
    }
}
