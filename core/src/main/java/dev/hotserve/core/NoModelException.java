package dev.hotserve.core;

/**
 * No model is loaded, so nothing can answer. The message says why: no checkpoint found where the
 * model looks, one still being written, or the last load's error. A server maps it to 503.
 */
public class NoModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NoModelException(String message) {
        super(message);
    }

    public NoModelException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Why {@code model} in state {@code st} has nothing to answer with, in the words of its last failure or its source. */
    static NoModelException of(String name, ModelState st, dev.hotserve.source.CheckpointSource source) {
        return new NoModelException(messageFor(name, st, source));
    }

    private static String messageFor(String name, ModelState st, dev.hotserve.source.CheckpointSource source) {
        if (st.failure() != null) {
            return "model '" + name + "' has no loaded checkpoint: the last load failed: " + st.failure().failure().reason();
        }
        if (st.pending() != null) {
            return "model '" + name + "' has no loaded checkpoint yet: " + st.pending().reason();
        }
        if (st.sourceError() != null) {
            return "model '" + name + "' has no loaded checkpoint: " + st.sourceError();
        }
        dev.hotserve.source.SourceHealth h = source.health();
        if (!h.reachable() && h.lastError().isPresent()) {
            return "model '" + name + "' has no loaded checkpoint: " + source.describe() + " cannot be reached: " + h.lastError().get();
        }
        return "model '" + name + "' has no loaded checkpoint: no checkpoint found at " + source.describe();
    }
}
