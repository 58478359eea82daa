package dev.hotserve.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Inputs and outputs declared in a checkpoint's {@code <file>.json} sidecar, for formats that
 * store no signature (TorchScript), in the shape of the Open Inference Protocol's model metadata:
 *
 * <pre>{@code
 * {"inputs":  [{"name": "obs",  "datatype": "FP32", "shape": [-1, 28]},
 *              {"name": "mask", "datatype": "BOOL", "shape": [-1, 4]}],
 *  "outputs": [{"name": "q",    "datatype": "FP64", "shape": [-1, 4]}]}
 * }</pre>
 *
 * Both lists are given together or not at all; {@code -1} marks a dimension of any size.
 */
public final class DeclaredSignature {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DeclaredSignature() {}

    /** {@code <file>.json} */
    public static Path sidecarOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".json");
    }

    /**
     * The signature declared by the sidecar at {@code sidecar}; empty when there is no such file or
     * it declares neither {@code inputs} nor {@code outputs}.
     *
     * @throws ModelLoadException when the file cannot be read or its declaration is malformed;
     *     the message names the file and the field
     */
    public static Optional<ModelSignature> read(Path sidecar) throws ModelLoadException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(sidecar));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ModelLoadException(sidecar + " cannot be read as JSON: " + e.getMessage(), e);
        }
        return parse(root, sidecar.toString());
    }

    /** As {@link #read}, from an already parsed sidecar; {@code where} names it in messages. */
    public static Optional<ModelSignature> parse(JsonNode root, String where) throws ModelLoadException {
        if (root == null || !root.isObject()) {
            return Optional.empty();
        }
        JsonNode in = root.get("inputs");
        JsonNode out = root.get("outputs");
        boolean hasIn = in != null && !in.isNull();
        boolean hasOut = out != null && !out.isNull();
        if (!hasIn && !hasOut) {
            return Optional.empty();
        }
        if (hasIn != hasOut) {
            throw new ModelLoadException(where + ": give both \"inputs\" and \"outputs\", or neither (found only \""
                    + (hasIn ? "inputs" : "outputs") + "\")");
        }
        List<TensorSpec> inputs = specs(in, where, "inputs");
        List<TensorSpec> outputs = specs(out, where, "outputs");
        try {
            return Optional.of(new ModelSignature(inputs, outputs));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(where + ": " + e.getMessage(), e);
        }
    }

    private static List<TensorSpec> specs(JsonNode list, String where, String field) throws ModelLoadException {
        if (!list.isArray() || list.isEmpty()) {
            throw new ModelLoadException(where + ": " + field + " must be a non-empty array of {name, datatype, shape}");
        }
        List<TensorSpec> specs = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String at = where + ": " + field + "[" + i + "]";
            JsonNode s = list.get(i);
            if (!s.isObject()) {
                throw new ModelLoadException(at + " must be an object {name, datatype, shape}");
            }
            JsonNode name = s.get("name");
            if (name == null || !name.isTextual() || name.asText().isBlank()) {
                throw new ModelLoadException(at + ".name must be a non-empty string");
            }
            JsonNode type = s.get("datatype");
            Optional<DataType> dt = type != null && type.isTextual() ? DataType.fromWireName(type.asText()) : Optional.empty();
            if (dt.isEmpty()) {
                throw new ModelLoadException(at + ".datatype must be one of " + DataType.supported() + ", was " + type);
            }
            JsonNode shape = s.get("shape");
            if (shape == null || !shape.isArray()) {
                throw new ModelLoadException(at + ".shape must be an array of integers (-1: any size)");
            }
            long[] dims = new long[shape.size()];
            for (int d = 0; d < dims.length; d++) {
                JsonNode v = shape.get(d);
                if (!v.isIntegralNumber() || v.asLong() < -1) {
                    throw new ModelLoadException(at + ".shape[" + d + "] must be an integer >= -1, was " + v);
                }
                dims[d] = v.asLong();
            }
            specs.add(new TensorSpec(name.asText(), dt.get(), dims));
        }
        return specs;
    }
}
