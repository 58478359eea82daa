package dev.hotserve.server.inference;

import dev.hotserve.engine.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One inference request, whichever front end it came from (native REST, OIP REST, gRPC): the
 * tensors, which outputs to give back, and the policy head's parameters.
 *
 * @param id the caller's request id, echoed back (OIP); empty when none
 * @param inputs the input tensors, by name
 * @param outputs the outputs asked for, by name, in order; empty: the model's own outputs, plus
 *     {@code action} for a SAC policy
 * @param deterministic {@code tanh(mean)} rather than a sample, for the {@code action} output
 * @param seed the noise's seed when not deterministic
 * @param routingKey the canary routing key (OIP's {@code routing_key} parameter)
 */
public record InferRequest(Optional<String> id, List<Tensor> inputs, List<String> outputs, boolean deterministic, OptionalLong seed,
        Optional<String> routingKey) {

    /** The name of the policy head's output. */
    public static final String ACTION = "action";

    public InferRequest {
        Objects.requireNonNull(id, "id");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(routingKey, "routingKey");
    }

    /** One input, the model's own outputs, deterministic: what a request that says nothing else asks. */
    public static InferRequest of(Tensor input) {
        return new InferRequest(Optional.empty(), List.of(input), List.of(), true, OptionalLong.empty(), Optional.empty());
    }

    /** The native API's request: rows of a state, the action only. */
    public static InferRequest actions(Tensor rows, boolean deterministic, OptionalLong seed) {
        return new InferRequest(Optional.empty(), List.of(rows), List.of(ACTION), deterministic, seed, Optional.empty());
    }

    /** Whether only the action is asked for: the row fast path, with no tensor outputs made. */
    boolean actionOnly() {
        return outputs.size() == 1 && outputs.get(0).equals(ACTION);
    }
}
