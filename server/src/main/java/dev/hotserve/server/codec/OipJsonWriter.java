package dev.hotserve.server.codec;

import static dev.hotserve.server.codec.JsonKit.writeShape;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hotserve.engine.Half;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import dev.hotserve.server.inference.InferResult;
import dev.hotserve.server.inference.ModelMetadata;
import dev.hotserve.server.inference.UnencodableOutputException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The Open Inference Protocol's JSON answers (REST): inference, with outputs asked for as binary
 * ({@code binary_data_output}, or {@code binary_data} on one output) written after the JSON the
 * way Triton's binary tensor data extension does ({@link OipBinary}); server and model metadata,
 * readiness and the repository index. What cannot be written (a non-finite value as JSON, an
 * answer past what one response holds) is reported as {@link UnencodableOutputException}; what
 * that is answered with is decided by {@code Failure}, not here.
 */
public final class OipJsonWriter {

    private final JsonKit kit;

    public OipJsonWriter(JsonKit kit) {
        this.kit = kit;
    }

    /**
     * An infer answer: JSON alone, or a JSON header of {@code jsonLength} bytes followed by the
     * binary outputs' bytes in the order of the outputs.
     */
    public record Encoded(byte[] body, int jsonLength, boolean binary) {}

    /** @param binaryOutput whether an output, by name, is to be written as binary data */
    public Encoded inferResponse(InferResult r, Optional<String> id, Predicate<String> binaryOutput) {
        int jsonValues = 0;
        long binaryBytes = 0;
        List<Tensor> outputs = r.outputs();
        boolean[] binary = new boolean[outputs.size()];
        for (int i = 0; i < binary.length; i++) {
            Tensor t = outputs.get(i);
            binary[i] = binaryOutput.test(t.name());
            if (binary[i]) {
                binaryBytes += OipBinary.byteSize(t);
            } else {
                jsonValues += t.size();
            }
        }
        byte[] json = kit.write(160 + jsonValues * 12 + binary.length * 48, g -> {
            g.writeStartObject();
            g.writeStringField("model_name", r.model());
            g.writeStringField("model_version", r.versionName());
            if (id.isPresent()) {
                g.writeStringField("id", id.get());
            }
            g.writeArrayFieldStart("outputs");
            for (int i = 0; i < binary.length; i++) {
                Tensor t = outputs.get(i);
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("datatype", t.type().wireName());
                g.writeFieldName("shape");
                writeShape(g, t.shape());
                if (binary[i]) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", OipBinary.byteSize(t));
                    g.writeEndObject();
                } else {
                    g.writeFieldName("data");
                    writeData(g, t);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
        if (!contains(binary)) {
            return new Encoded(json, json.length, false);
        }
        if (json.length + binaryBytes > Integer.MAX_VALUE - 16) {
            throw new UnencodableOutputException("the answer would be " + (json.length + binaryBytes) + " bytes, more than one response can hold");
        }
        byte[] all = Arrays.copyOf(json, (int) (json.length + binaryBytes));
        int at = json.length;
        for (int i = 0; i < binary.length; i++) {
            if (binary[i]) {
                OipBinary.write(outputs.get(i), all, at);
                at += OipBinary.byteSize(outputs.get(i));
            }
        }
        return new Encoded(all, json.length, true);
    }

    private static boolean contains(boolean[] flags) {
        for (boolean f : flags) {
            if (f) {
                return true;
            }
        }
        return false;
    }

    private static void writeData(JsonGenerator g, Tensor t) throws IOException {
        int bad = t.firstNonFinite();
        if (bad >= 0) {
            // JSON has no NaN: a fact reported, whose answer Failure decides.
            throw new UnencodableOutputException("the model produced a non-finite value (" + t.valueAt(bad) + ") in output '" + t.name()
                    + "' at index " + bad);
        }
        g.writeStartArray();
        switch (t.type()) {
            case FP32 -> {
                for (float v : t.floats()) {
                    g.writeNumber(v);
                }
            }
            case FP64 -> {
                for (double v : t.doubles()) {
                    g.writeNumber(v);
                }
            }
            case FP16 -> {
                for (short v : t.shorts()) {
                    g.writeNumber((double) Half.toFloat(v)); // as a double: its shortest decimal is the half's exact value
                }
            }
            case INT8 -> {
                for (byte v : t.bytes()) {
                    g.writeNumber(v);
                }
            }
            case UINT8 -> {
                for (byte v : t.bytes()) {
                    g.writeNumber(Byte.toUnsignedInt(v));
                }
            }
            case INT16 -> {
                for (short v : t.shorts()) {
                    g.writeNumber(v);
                }
            }
            case UINT16 -> {
                for (short v : t.shorts()) {
                    g.writeNumber(Short.toUnsignedInt(v));
                }
            }
            case INT32 -> {
                for (int v : t.ints()) {
                    g.writeNumber(v);
                }
            }
            case UINT32 -> {
                for (int v : t.ints()) {
                    g.writeNumber(Integer.toUnsignedLong(v));
                }
            }
            case INT64 -> {
                for (long v : t.longs()) {
                    g.writeNumber(v);
                }
            }
            case UINT64 -> {
                for (long v : t.longs()) {
                    if (v >= 0) {
                        g.writeNumber(v);
                    } else {
                        g.writeNumber(new BigInteger(Long.toUnsignedString(v))); // above 2^63: exact, never a double
                    }
                }
            }
            case BOOL -> {
                for (boolean v : t.booleans()) {
                    g.writeBoolean(v);
                }
            }
            case BYTES -> {
                byte[][] elements = t.byteStrings();
                for (int i = 0; i < elements.length; i++) {
                    g.writeString(utf8(t.name(), i, elements[i]));
                }
            }
        }
        g.writeEndArray();
    }

    /**
     * A BYTES element as JSON's string. JSON strings are Unicode: bytes that are not UTF-8 have no
     * faithful string, and a replacement character would be a wrong answer, so the caller is told
     * to ask for the output as binary data, which carries any bytes (Triton's clients do so by default).
     */
    private static String utf8(String output, int index, byte[] element) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(element)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(output, index, "output '" + output + "': BYTES element " + index + " is not UTF-8, so JSON"
                    + " cannot carry it; ask for the output as binary data (parameters.binary_data: true, or binary_data_output)");
        }
    }

    public byte[] serverMetadata(String name, String version, List<String> extensions) {
        return kit.write(128, g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeStringField("version", version);
            g.writeArrayFieldStart("extensions");
            for (String e : extensions) {
                g.writeString(e);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    public byte[] modelMetadata(ModelMetadata m) {
        return kit.write(512, g -> {
            g.writeStartObject();
            g.writeStringField("name", m.name());
            g.writeArrayFieldStart("versions");
            for (String v : m.versions()) {
                g.writeString(v);
            }
            g.writeEndArray();
            g.writeStringField("platform", m.platform());
            writeSpecs(g, "inputs", m.inputs());
            writeSpecs(g, "outputs", m.outputs());
            g.writeObjectFieldStart("parameters");
            for (Map.Entry<String, String> e : m.parameters().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private static void writeSpecs(JsonGenerator g, String field, List<TensorSpec> specs) throws IOException {
        g.writeArrayFieldStart(field);
        for (TensorSpec s : specs) {
            g.writeStartObject();
            g.writeStringField("name", s.name());
            g.writeStringField("datatype", s.type().wireName());
            g.writeFieldName("shape");
            writeShape(g, s.shape());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    public byte[] ready(String field, boolean value, String name) {
        return kit.write(64, g -> {
            g.writeStartObject();
            if (name != null) {
                g.writeStringField("name", name);
            }
            g.writeBooleanField(field, value);
            g.writeEndObject();
        });
    }

    /** One entry of the repository index. */
    public record IndexEntry(String name, String version, String state, String reason) {}

    public byte[] repositoryIndex(List<IndexEntry> entries) {
        return kit.write(64 + entries.size() * 160, g -> {
            g.writeStartArray();
            for (IndexEntry e : entries) {
                g.writeStartObject();
                g.writeStringField("name", e.name());
                if (e.version() != null) {
                    g.writeStringField("version", e.version());
                }
                g.writeStringField("state", e.state());
                g.writeStringField("reason", e.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    public byte[] emptyObject() {
        return "{}".getBytes(StandardCharsets.UTF_8);
    }
}
