package dev.hotserve.server.inference;

import dev.hotserve.core.PolicyHead;
import dev.hotserve.engine.DataType;
import dev.hotserve.engine.TensorSpec;

/**
 * The policy head's {@code action} output, decided here once for every front end: which models
 * can be asked for it, which give it to a request that names no outputs (and list it in their
 * metadata), and its shape.
 */
public final class ActionOutput {

    private ActionOutput() {}

    /** Whether a request may ask this head's model for {@code action}: any head but none. */
    static boolean offered(PolicyHead head) {
        return !(head instanceof PolicyHead.None);
    }

    /**
     * Whether {@code action} comes unasked and is listed as an output: only for a SAC policy, whose
     * raw outputs (mean, log std) are not yet the action a caller wants.
     */
    static boolean byDefault(PolicyHead head) {
        return head.kind().equals("sac");
    }

    /** {@code action FP32[-1, actionDim]}. */
    static TensorSpec spec(PolicyHead head) {
        return TensorSpec.rows(InferRequest.ACTION, DataType.FP32, head.actionDim());
    }
}
