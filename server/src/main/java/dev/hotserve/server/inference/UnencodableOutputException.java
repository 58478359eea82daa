package dev.hotserve.server.inference;

/**
 * An answer the front end's encoding cannot carry: a non-finite value where the answer is JSON
 * (JSON has no NaN), or an answer larger than one response can hold. The codec only reports the
 * fact; {@link Failure#of} decides what it is (the model's fault, {@link Failure.Kind#INTERNAL},
 * with this message), like every other failure.
 */
public final class UnencodableOutputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnencodableOutputException(String message) {
        super(message, null, false, false); // an expected outcome of a model's answer: no stack trace to fill
    }
}
