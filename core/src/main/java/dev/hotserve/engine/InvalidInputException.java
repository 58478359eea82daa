package dev.hotserve.engine;

import java.util.Objects;

/**
 * A caller's input was refused before (or instead of) running the model: a missing, unknown or
 * duplicated input, a wrong datatype, a shape that does not fit the model, a value out of range.
 * The message names the input and, where it helps, the index. A server maps it to 400; it is
 * never a sign of a bug on our side, so our own argument checks throw
 * {@link IllegalArgumentException} instead and end up as 500.
 */
public class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String input;
    private final long index;

    /**
     * @param input the input (or request field) at fault
     * @param message the whole message, naming the input
     */
    public InvalidInputException(String input, String message) {
        this(input, -1, message);
    }

    /** @param index the flat element index at fault, or -1 when none applies */
    public InvalidInputException(String input, long index, String message) {
        super(message, null, false, false); // an expected outcome: no stack trace to fill
        this.input = Objects.requireNonNull(input, "input");
        this.index = index;
    }

    /** The input (or request field) at fault. */
    public String input() {
        return input;
    }

    /** The flat element index at fault, or -1. */
    public long index() {
        return index;
    }
}
