package dev.hotserve.engine;

import java.util.List;
import java.util.Objects;

/**
 * What a model takes and gives: one input of width {@code inputWidth} (this is the state
 * dimension) and one or more outputs, each of a fixed width per row.
 */
public record ModelSignature(String inputName, int inputWidth, List<Output> outputs) {

    public ModelSignature {
        Objects.requireNonNull(inputName, "inputName");
        if (inputWidth <= 0) {
            throw new IllegalArgumentException("input width must be positive, was " + inputWidth);
        }
        outputs = List.copyOf(outputs);
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("a model must have at least one output");
        }
    }

    /** One named output of {@code width} values per row. */
    public record Output(String name, int width) {
        public Output {
            Objects.requireNonNull(name, "name");
            if (width <= 0) {
                throw new IllegalArgumentException("output '" + name + "' width must be positive, was " + width);
            }
        }
    }
}
