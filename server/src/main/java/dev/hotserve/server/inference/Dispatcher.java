package dev.hotserve.server.inference;

import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.PolicyHead;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.ModelSignature;
import dev.hotserve.engine.Tensor;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.config.Setting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The one inference pipeline behind every front end (native REST, OIP REST, gRPC): admit the
 * request into its model, lease the serving version, route the version asked for, let the front
 * end parse its body against that version's signature into an {@link InferRequest}, check the
 * limits and values, run, and hand the {@link InferResult} back to the front end to encode. Auth
 * happens before (each front end reads its own credentials with the same {@code Access}); errors
 * are typed and sorted by {@link Failure}. Every request that reached a version is counted in its
 * model's {@link Statistics}.
 *
 * <p>A failure after the version was leased is wrapped in {@link FailedOnVersion}, so that the
 * error response still names the version that was serving.
 */
public final class Dispatcher {

    /** Parses a front end's body once the serving version, and so the signature, is known. */
    @FunctionalInterface
    public interface Parser {
        InferRequest parse(Lease lease);
    }

    /** Turns the result into the front end's answer, while the request still holds its model. */
    @FunctionalInterface
    public interface Encoder<T> {
        T encode(InferResult result);
    }

    private final ModelRegistry registry;
    private final Limits limits;

    public Dispatcher(ModelRegistry registry, Limits limits) {
        this.registry = registry;
        this.limits = limits;
    }

    public ModelRegistry registry() {
        return registry;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * @param version the version or label asked for; empty: whatever serves
     * @param routingKey the request's canary routing key, if it gave one
     */
    public <T> T infer(String model, Optional<String> version, Optional<String> routingKey, Parser parser, Encoder<T> encoder) {
        try (ServedModel.Use use = registry.use(model); Lease lease = Versions.acquire(use.served(), version, routingKey)) {
            ModelVersion v = lease.version();
            ServedModel.VersionText text = use.served().text(v);
            long start = System.nanoTime();
            try {
                InferRequest req = parser.parse(lease);
                InferResult result = run(use.served(), lease, text, req);
                long ran = System.nanoTime();
                T answer = encoder.encode(result);
                // A batched version's engine calls are counted by its batcher, which alone knows them.
                text.statistics().succeeded(lease.batched(), rows(req), start, ran, result.engineNanos(), System.nanoTime());
                return answer;
            } catch (RuntimeException e) {
                text.statistics().failed(System.nanoTime() - start);
                throw new FailedOnVersion(e, v);
            }
        }
    }

    /** A request's batch dimension: its first input's rows (1 for a scalar). */
    private static long rows(InferRequest req) {
        if (req.inputs().isEmpty()) {
            return 1;
        }
        Tensor first = req.inputs().get(0);
        return first.rank() >= 1 ? first.dim(0) : 1;
    }

    private InferResult run(ServedModel model, Lease lease, ServedModel.VersionText text, InferRequest req) {
        ModelSignature sig = lease.signature();
        PolicyHead head = lease.head();
        boolean policy = ActionOutput.offered(head);
        for (Tensor t : req.inputs()) {
            if (t.rank() >= 1 && t.dim(0) > limits.maxBatchRows()) {
                throw new LimitExceededException("input '" + t.name() + "' has " + t.dim(0) + " rows; the limit is "
                        + limits.maxBatchRows() + " (HOTSERVE_MAX_BATCH_ROWS)");
            }
            int bad = t.firstNonFinite();
            if (bad >= 0) {
                throw new InvalidInputException(t.name(), bad, "input '" + t.name() + "' holds " + t.valueAt(bad) + " at index " + bad
                        + "; only finite numbers are accepted");
            }
        }
        for (String name : req.outputs()) {
            boolean known = sig.output(name).isPresent() || (policy && name.equals(InferRequest.ACTION));
            if (!known) {
                throw new InvalidInputException(name, "unknown output '" + name + "'; the model gives "
                        + ModelSignature.describe(sig.outputs()) + (policy ? ", action FP32[-1, " + head.actionDim() + "]" : ""));
            }
        }
        RandomGenerator rng = req.deterministic() ? null
                : req.seed().isPresent() ? new SplittableRandom(req.seed().getAsLong()) : ThreadLocalRandom.current();
        ModelVersion v = lease.version();
        long t0 = System.nanoTime();
        if (policy && req.actionOnly() && req.inputs().size() == 1 && sig.isRowModel()) {
            // The native routes' fast path: the engine's float rows and the head, no output tensors.
            Tensor in = req.inputs().get(0);
            if (!in.name().equals(sig.inputName()) || in.type() != sig.inputs().get(0).type() || !sig.inputs().get(0).accepts(in.shape())) {
                sig.check(req.inputs()); // throws, naming the input and the shape the model takes
            }
            int rows = Math.toIntExact(in.dim(0));
            float[] actions = lease.predictBatch(in.floats(), rows, req.deterministic(), rng);
            long engine = System.nanoTime() - t0;
            Tensor action = Tensor.ofFloats(InferRequest.ACTION, new long[] {rows, head.actionDim()}, actions);
            return new InferResult(model.name(), v, text.name(), text.mtime(), List.of(action), engine);
        }
        List<Tensor> outs = lease.run(req.inputs());
        boolean wantAction = policy && (req.outputs().isEmpty() ? ActionOutput.byDefault(head) : req.outputs().contains(InferRequest.ACTION));
        Tensor action = null;
        if (wantAction) {
            int rows = Math.toIntExact(outs.get(0).dim(0));
            float[][] raw = new float[outs.size()][];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = outs.get(i).floats();
            }
            action = Tensor.ofFloats(InferRequest.ACTION, new long[] {rows, head.actionDim()}, head.actions(raw, rows, req.deterministic(), rng));
        }
        long engine = System.nanoTime() - t0;
        List<Tensor> result = new ArrayList<>();
        if (req.outputs().isEmpty()) {
            result.addAll(outs);
            if (action != null) {
                result.add(action);
            }
        } else {
            for (String name : req.outputs()) {
                if (name.equals(InferRequest.ACTION) && action != null) {
                    result.add(action);
                } else {
                    for (Tensor t : outs) {
                        if (t.name().equals(name)) {
                            result.add(t);
                        }
                    }
                }
            }
        }
        return new InferResult(model.name(), v, text.name(), text.mtime(), result, engine);
    }

    /**
     * The element count of an input's declared shape, refused before anything is allocated when
     * it cannot be right: a negative dimension, an overflow, or more elements than a request of the
     * body limit could carry (every encoding takes at least one byte per element).
     *
     * @throws InvalidInputException naming the input
     */
    public int elements(String input, long[] shape) {
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new InvalidInputException(input, "input '" + input + "': shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            if (shape[i] != 0 && n > Long.MAX_VALUE / shape[i]) {
                n = Long.MAX_VALUE;
                break;
            }
            n *= shape[i];
        }
        if (n > limits.maxTensorElements()) {
            throw new InvalidInputException(input, "input '" + input + "': shape " + Arrays.toString(shape) + " has "
                    + (n == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(n)) + " elements, more than the "
                    + limits.maxTensorElements() + " of the limit " + Setting.MAX_TENSOR_ELEMENTS.env());
        }
        if (n > limits.maxBodyBytes()) {
            throw new InvalidInputException(input, "input '" + input + "': shape " + Arrays.toString(shape) + " has " + n
                    + " elements, more than a request can carry (" + limits.maxBodyBytes() + ", the body limit "
                    + Setting.MAX_BODY_BYTES.env() + ")");
        }
        return (int) n;
    }

    /**
     * Checks that a request with {@code count} inputs (or one more arriving, as a streaming
     * decoder counts) stays within the limit, before anything is read for the one past it.
     *
     * @throws InvalidInputException naming the limit
     */
    public void checkInputCount(int count) {
        if (count > limits.maxInputs()) {
            throw new InvalidInputException("inputs", "the request has more than " + limits.maxInputs() + " inputs (the limit is "
                    + Setting.MAX_INPUTS.env() + ")");
        }
    }
}
