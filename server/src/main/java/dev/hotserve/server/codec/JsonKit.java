package dev.hotserve.server.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotserve.engine.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;

/**
 * The one Jackson setup of the server and what every codec shares on top of it: reading the
 * fields of one object, writing one document into memory, the words for a token in a refusal, and
 * the one exception type of a bad body, {@link InvalidInputException} (400, INVALID_ARGUMENT).
 * Codecs read and write straight between bytes and arrays with the streaming API (the hot path:
 * no object binding, no per-request factory); trees only where the protocol needs them.
 *
 * <p>NaN and Infinity tokens are let through the tokenizer on purpose, so that they can be refused
 * with a message naming them instead of a generic parse error.
 */
public final class JsonKit {

    /** What a bad body's {@link InvalidInputException#input()} names when no one field is at fault. */
    static final String BODY = "body";

    private final JsonFactory factory = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // The JDK's float parsing was the largest JSON cost in the batch route's profile.
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();
    private final ObjectMapper trees = new ObjectMapper(factory);

    /** Writes one JSON document with a generator. */
    @FunctionalInterface
    public interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** Reads the fields of one object; returns false for a field it does not know (skipped). */
    @FunctionalInterface
    interface Fields {
        boolean field(String name, JsonParser p) throws IOException;
    }

    JsonParser parser(byte[] body, int offset, int length) throws IOException {
        return factory.createParser(body, offset, length);
    }

    /** For the few places that need a tree (OIP data before its shape, a config entry, the OpenAPI template). */
    public ObjectMapper trees() {
        return trees;
    }

    /** The fields of the one JSON object {@code body} must be. */
    void readObject(byte[] body, Fields fields) {
        try (JsonParser p = factory.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw badBody("the request body is empty; send a JSON object");
            }
            if (t != JsonToken.START_OBJECT) {
                throw badBody("the request body must be a JSON object, was " + describe(t));
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (!fields.field(name, p)) {
                    p.skipChildren();
                }
            }
            expectEnd(p);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** As {@link #readObject}, where an empty body means an empty object (every field its default). */
    void readObjectOrNothing(byte[] body, Fields fields) {
        if (body.length > 0) {
            readObject(body, fields);
        }
    }

    /** After the top-level object: nothing else may follow it. */
    static void expectEnd(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw badBody("malformed JSON: unexpected content after the object");
        }
    }

    /** One JSON document into a byte array of about {@code sizeHint} bytes. */
    public byte[] write(int sizeHint, Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonGenerator g = factory.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
        return out.toByteArray();
    }

    /** {@code {"<field>": "<value>"}}: every error body, in either protocol's field. */
    public byte[] object(String field, String value) {
        return write(64 + value.length(), g -> {
            g.writeStartObject();
            g.writeStringField(field, value);
            g.writeEndObject();
        });
    }

    /** A refusal of the body as a whole (or of a field that names itself in the message). */
    static InvalidInputException badBody(String message) {
        return new InvalidInputException(BODY, message);
    }

    /** What a failed read of a body held in memory means: a client's bad JSON, or our bug. */
    static RuntimeException unreadable(IOException e) {
        return switch (e) {
            case InputCoercionException c -> badBody("a number is out of range: " + c.getOriginalMessage());
            case JsonProcessingException j -> badBody("malformed JSON: " + j.getOriginalMessage()
                    + (j.getLocation() == null ? "" : " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")"));
            // Jackson guesses UTF-16/32 from the first bytes; bytes that are no text in the guessed encoding are the client's.
            case CharConversionException c -> badBody("the request body is not JSON text (UTF-8): " + c.getMessage());
            default -> new UncheckedIOException("reading a request body held in memory", e);
        };
    }

    /** A token in words, for refusals ("an array", "a string"), the same in every codec. */
    static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }

    /** JSON has no NaN: a figure not known yet is null. */
    static void writeFinite(JsonGenerator g, String field, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumberField(field, value);
        } else {
            g.writeNullField(field);
        }
    }

    static void writeShape(JsonGenerator g, long[] shape) throws IOException {
        g.writeStartArray();
        for (long d : shape) {
            g.writeNumber(d);
        }
        g.writeEndArray();
    }

    static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }
}
