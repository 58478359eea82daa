package dev.hotserve.server.codec;

import static dev.hotserve.server.codec.JsonKit.badBody;
import static dev.hotserve.server.codec.JsonKit.describe;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.InferRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The Open Inference Protocol's JSON request bodies (REST): an infer request into the same
 * {@link InferRequest} every front end produces (its inputs by {@link OipTensorReader}), and the
 * repository load body. With Triton's binary tensor data extension ({@link OipBinary}) the JSON is
 * only the body's header, and the bytes after it are the binary inputs' data. Every refusal is an
 * {@link InvalidInputException}; the reader decides nothing about what a refusal is answered with.
 */
public final class OipJsonReader {

    private final JsonKit kit;
    private final OipTensorReader tensors;

    public OipJsonReader(JsonKit kit) {
        this.kit = kit;
        this.tensors = new OipTensorReader(kit);
    }

    /**
     * An infer request as the protocol's body gave it: the request, and how each output is to be
     * written.
     *
     * @param binaryOutputs {@code parameters.binary_data_output}: every output binary unless it says otherwise
     * @param binaryByOutput an output's own {@code parameters.binary_data}, when it gave one
     */
    public record InferBody(InferRequest request, boolean binaryOutputs, Map<String, Boolean> binaryByOutput) {
        public InferBody {
            binaryByOutput = Map.copyOf(binaryByOutput);
        }

        public boolean binary(String output) {
            return binaryByOutput.getOrDefault(output, binaryOutputs);
        }
    }

    /** An output asked for, with its {@code parameters.binary_data} when given. */
    private record RequestedOutput(String name, Optional<Boolean> binary) {}

    /**
     * @param jsonLength the JSON header's length: the body's length without binary data; the bytes
     *     after it are the binary inputs' data, in the order the inputs appear
     */
    public InferBody parseInfer(byte[] body, int jsonLength, Dispatcher dispatcher) {
        OipBinary.Blobs blobs = new OipBinary.Blobs(body, jsonLength, body.length);
        var r = new Object() {
            Optional<String> id = Optional.empty();
            List<Tensor> inputs;
            List<RequestedOutput> outputs = List.of();
            boolean binaryOutputs = false;
            boolean deterministic = true;
            OptionalLong seed = OptionalLong.empty();
            Optional<String> routingKey = Optional.empty();
        };
        try (JsonParser p = kit.parser(body, 0, jsonLength)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw badBody(t == null ? "the request body is empty; send {\"inputs\": [...]}"
                        : "the request body must be a JSON object, was " + describe(t));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                t = p.nextToken();
                switch (field) {
                    case "id" -> {
                        if (t != JsonToken.VALUE_STRING) {
                            throw new InvalidInputException("id", "id must be a string, was " + describe(t));
                        }
                        r.id = Optional.of(p.getText());
                    }
                    case "parameters" -> OipTensorReader.readParameters(p, (name, q) -> {
                        switch (name) {
                            case "deterministic" -> {
                                JsonToken v = q.currentToken();
                                if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                                    throw new InvalidInputException("parameters.deterministic",
                                            "parameters.deterministic must be a boolean, was " + describe(v));
                                }
                                r.deterministic = v == JsonToken.VALUE_TRUE;
                            }
                            case "seed" -> {
                                if (q.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                                    throw new InvalidInputException("parameters.seed", "parameters.seed must be an integer, was "
                                            + describe(q.currentToken()));
                                }
                                r.seed = OptionalLong.of(q.getLongValue());
                            }
                            case "routing_key" -> {
                                if (q.currentToken() != JsonToken.VALUE_STRING) {
                                    throw new InvalidInputException("parameters.routing_key", "parameters.routing_key must be a string, was "
                                            + describe(q.currentToken()));
                                }
                                r.routingKey = Optional.of(q.getText());
                            }
                            case "binary_data_output" -> r.binaryOutputs = bool(q, "parameters.binary_data_output");
                            default -> q.skipChildren();
                        }
                    });
                    case "inputs" -> r.inputs = tensors.readInputs(p, dispatcher, blobs);
                    case "outputs" -> r.outputs = readOutputs(p);
                    default -> p.skipChildren();
                }
            }
            JsonKit.expectEnd(p);
        } catch (IOException e) {
            throw JsonKit.unreadable(e);
        }
        if (r.inputs == null) {
            throw new InvalidInputException("inputs", "missing field 'inputs': an array of {name, shape, datatype, data}");
        }
        blobs.finish();
        Map<String, Boolean> binaryByOutput = new HashMap<>();
        List<String> names = new ArrayList<>(r.outputs.size());
        for (RequestedOutput o : r.outputs) {
            names.add(o.name());
            o.binary().ifPresent(b -> binaryByOutput.put(o.name(), b));
        }
        return new InferBody(new InferRequest(r.id, r.inputs, names, r.deterministic, r.seed, r.routingKey), r.binaryOutputs,
                binaryByOutput);
    }

    private static boolean bool(JsonParser p, String field) {
        JsonToken v = p.currentToken();
        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
            throw new InvalidInputException(field, field + " must be a boolean, was " + describe(v));
        }
        return v == JsonToken.VALUE_TRUE;
    }

    private static List<RequestedOutput> readOutputs(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidInputException("outputs", "outputs must be an array of {name}, was " + describe(p.currentToken()));
        }
        List<RequestedOutput> outputs = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String where = "outputs[" + outputs.size() + "]";
            if (t != JsonToken.START_OBJECT) {
                throw new InvalidInputException(where, where + " must be an object {name}, was " + describe(t));
            }
            var o = new Object() {
                String name;
                Optional<Boolean> binary = Optional.empty();
            };
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                t = p.nextToken();
                if (field.equals("name") && t == JsonToken.VALUE_STRING) {
                    o.name = p.getText();
                } else if (field.equals("parameters")) {
                    OipTensorReader.readParameters(p, (name, q) -> {
                        switch (name) {
                            case "binary_data" -> o.binary = Optional.of(bool(q, where + ".parameters.binary_data"));
                            case "classification" -> {
                                // Triton's classification extension: answering the plain tensor instead would be a wrong answer.
                                if (q.currentToken() != JsonToken.VALUE_NUMBER_INT || q.getLongValue() != 0) {
                                    throw new InvalidInputException(where, where + ".parameters.classification is not supported");
                                }
                            }
                            default -> q.skipChildren();
                        }
                    });
                } else {
                    p.skipChildren();
                }
            }
            if (o.name == null) {
                throw new InvalidInputException(where, where + " has no name");
            }
            outputs.add(new RequestedOutput(o.name, o.binary));
        }
        return outputs;
    }

    /** The repository load body's {@code parameters.config}: a string of JSON (or the object itself); empty when absent. */
    public Optional<String> parseLoadConfig(byte[] body) {
        if (body.length == 0) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = kit.trees().readTree(body);
        } catch (IOException e) {
            throw badBody("malformed JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Optional.empty();
        }
        if (!root.isObject()) {
            throw badBody("the request body must be a JSON object {\"parameters\": {\"config\": \"...\"}}");
        }
        JsonNode config = root.path("parameters").path("config");
        if (config.isMissingNode() || config.isNull()) {
            return Optional.empty();
        }
        if (config.isTextual()) {
            return Optional.of(config.asText());
        }
        if (config.isObject()) {
            return Optional.of(config.toString());
        }
        throw badBody("parameters.config must be a string holding one model entry of the config file as JSON, was "
                + config.getNodeType().name().toLowerCase(Locale.ROOT));
    }
}
