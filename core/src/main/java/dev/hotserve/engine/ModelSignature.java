package dev.hotserve.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a model takes and gives: named, typed, shaped tensors (README, "Publishing a checkpoint safely"), in the model's own order.
 *
 * <p>The common case has its own name: a <em>row model</em> takes one FP32 input
 * {@code [batch, width]} (the state) and gives FP32 outputs {@code [batch]} or
 * {@code [batch, k]}. Only row models have the {@code float[]} fast path of
 * {@link LoadedModel#run(float[], int)}, a {@link #inputWidth()} and a policy head.
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a model must have at least one input");
        }
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("a model must have at least one output");
        }
        unique(inputs, "input");
        unique(outputs, "output");
    }

    /** A row model: one FP32 input {@code [-1, inputWidth]} and FP32 outputs {@code [-1, width]}. */
    public ModelSignature(String inputName, int inputWidth, List<Output> outputs) {
        this(List.of(rowSpec(inputName, inputWidth)), outputs.stream().map(o -> rowSpec(o.name(), o.width())).toList());
    }

    /** One FP32 output of {@code width} values per row (for building row signatures). */
    public record Output(String name, int width) {
        public Output {
            Objects.requireNonNull(name, "name");
            if (width <= 0) {
                throw new IllegalArgumentException("output '" + name + "' width must be positive, was " + width);
            }
        }
    }

    private static TensorSpec rowSpec(String name, int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("'" + name + "' width must be positive, was " + width);
        }
        return TensorSpec.rows(name, DataType.FP32, width);
    }

    private static void unique(List<TensorSpec> specs, String what) {
        Set<String> seen = new HashSet<>();
        for (TensorSpec s : specs) {
            if (!seen.add(s.name())) {
                throw new IllegalArgumentException("two " + what + "s are named '" + s.name() + "'");
            }
        }
    }

    /**
     * Whether this is a row model: exactly one input, FP32 of rank 2 with a known width, and every
     * output FP32 of rank 1 or 2 with a known width.
     */
    public boolean isRowModel() {
        if (inputs.size() != 1 || !isRows(inputs.get(0), false)) {
            return false;
        }
        for (TensorSpec o : outputs) {
            if (!isRows(o, true)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isRows(TensorSpec s, boolean vectorAllowed) {
        return s.type() == DataType.FP32 && (s.rank() == 2 || (vectorAllowed && s.rank() == 1)) && s.width() > 0;
    }

    /** The name of a row model's input. */
    public String inputName() {
        return inputs.get(0).name();
    }

    /** A row model's input width (the state dimension); 0 when this is not a row model. */
    public int inputWidth() {
        return isRowModel() ? inputs.get(0).width() : 0;
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /**
     * Checks a call's inputs against the signature and puts them in its order: every input present
     * once, none unknown, each of the declared type and a shape that fits, none empty.
     *
     * @throws InvalidInputException naming the input at fault
     */
    public List<Tensor> check(List<Tensor> given) {
        Tensor[] ordered = new Tensor[inputs.size()];
        for (Tensor t : given) {
            int i = indexOf(t.name());
            if (i < 0) {
                throw new InvalidInputException(t.name(), "unknown input '" + t.name() + "'; the model's inputs are " + describe(inputs));
            }
            if (ordered[i] != null) {
                throw new InvalidInputException(t.name(), "input '" + t.name() + "' is given twice");
            }
            TensorSpec spec = inputs.get(i);
            if (t.type() != spec.type()) {
                throw new InvalidInputException(t.name(), "input '" + t.name() + "' is " + t.type().wireName() + ", the model takes "
                        + spec.type().wireName());
            }
            long[] shape = t.shape();
            if (!spec.accepts(shape)) {
                throw new InvalidInputException(t.name(), "input '" + t.name() + "' has shape " + java.util.Arrays.toString(shape)
                        + ", the model takes " + java.util.Arrays.toString(spec.shape()) + " (-1: any size)");
            }
            if (t.size() == 0) {
                throw new InvalidInputException(t.name(), "input '" + t.name() + "' has no values (shape "
                        + java.util.Arrays.toString(shape) + ")");
            }
            ordered[i] = t;
        }
        List<Tensor> out = new ArrayList<>(ordered.length);
        for (int i = 0; i < ordered.length; i++) {
            if (ordered[i] == null) {
                TensorSpec s = inputs.get(i);
                throw new InvalidInputException(s.name(), "missing input '" + s.name() + "' (" + s + ")");
            }
            out.add(ordered[i]);
        }
        return out;
    }

    private int indexOf(String name) {
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** {@code "state FP32[-1, 28], mask BOOL[-1, 4]"} */
    public static String describe(List<TensorSpec> specs) {
        return specs.stream().map(TensorSpec::toString).collect(Collectors.joining(", "));
    }
}
