package dev.hotserve.server.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.InferResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every datatype through the REST codecs: JSON values with each type's range and exactness
 * (UINT64 to 2^64-1, INT64 past 2^53, FP16 rounded once, BYTES as UTF-8 strings), and the edges of
 * binary data where the client's sizes could make us allocate or read what is not there.
 */
class OipDatatypesCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Dispatcher dispatcher = new Dispatcher(null, Limits.defaults());
    private final OipJsonReader reader = new OipJsonReader(new JsonKit());
    private final OipJsonWriter writer = new OipJsonWriter(new JsonKit());

    private Tensor json(String datatype, String shape, String data) {
        byte[] body = ("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape + ",\"data\":" + data + "}]}")
                .getBytes(StandardCharsets.UTF_8);
        return reader.parseInfer(body, body.length, dispatcher).request().inputs().get(0);
    }

    private void refusedAsJson(String datatype, String data, String message) {
        assertThatThrownBy(() -> json(datatype, "[1]", data)).as(datatype + " " + data)
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.input()).isEqualTo("x"))
                .hasMessageContaining("input 'x'").hasMessageContaining(message);
    }

    private JsonNode written(Tensor t) throws IOException {
        OipJsonWriter.Encoded e = writer.inferResponse(new InferResult("m", null, "1", "", List.of(t), 0), Optional.empty(), n -> false);
        return JSON.readTree(e.body()).get("outputs").get(0);
    }

    @Test
    void everyIntegerTypeIsReadToItsFullRangeAndNoFurther() {
        assertThat(json("UINT8", "[3]", "[0, 255, 128]").bytes()).containsExactly(0, -1, -128);
        assertThat(json("INT8", "[2]", "[-128, 127]").bytes()).containsExactly(-128, 127);
        assertThat(json("UINT16", "[2]", "[65535, 32768]").shorts()).containsExactly((short) -1, Short.MIN_VALUE);
        assertThat(json("INT16", "[2]", "[-32768, 32767]").shorts()).containsExactly(Short.MIN_VALUE, Short.MAX_VALUE);
        assertThat(json("UINT32", "[2]", "[4294967295, 2147483648]").ints()).containsExactly(-1, Integer.MIN_VALUE);
        refusedAsJson("UINT8", "[256]", "256, beyond UINT8 (0..255)");
        refusedAsJson("UINT8", "[-1]", "beyond UINT8");
        refusedAsJson("INT8", "[128]", "beyond INT8");
        refusedAsJson("INT8", "[-129]", "beyond INT8");
        refusedAsJson("UINT16", "[65536]", "beyond UINT16");
        refusedAsJson("INT16", "[32768]", "beyond INT16");
        refusedAsJson("UINT32", "[4294967296]", "beyond UINT32");
        refusedAsJson("UINT32", "[-1]", "beyond UINT32");
        refusedAsJson("INT32", "[2147483648]", "beyond INT32");
        refusedAsJson("UINT16", "[1.5]", "not an integer");
    }

    @Test
    void uint64AndInt64AreExactPastWhatADoubleHolds() throws IOException {
        Tensor u = json("UINT64", "[3]", "[18446744073709551615, 9223372036854775808, 9007199254740993]");
        assertThat(u.longs()).containsExactly(-1L, Long.MIN_VALUE, 9007199254740993L);
        refusedAsJson("UINT64", "[18446744073709551616]", "beyond UINT64 (0..18446744073709551615)");
        refusedAsJson("UINT64", "[-1]", "beyond UINT64");
        refusedAsJson("UINT64", "[1e3]", "not an integer");
        Tensor i = json("INT64", "[2]", "[9007199254740993, -9223372036854775808]");
        assertThat(i.longs()).containsExactly(9007199254740993L, Long.MIN_VALUE);
        refusedAsJson("INT64", "[9223372036854775808]", "beyond INT64");

        JsonNode out = written(u.named("y"));
        assertThat(out.get("datatype").asText()).isEqualTo("UINT64");
        assertThat(out.get("data").get(0).bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(out.get("data").get(1).bigIntegerValue()).isEqualTo(new BigInteger("9223372036854775808"));
        assertThat(out.get("data").get(2).asLong()).isEqualTo(9007199254740993L);
        assertThat(written(i.named("y")).get("data").get(0).asLong()).isEqualTo(9007199254740993L);
    }

    @Test
    void unsignedAndNarrowOutputsAreWrittenAsTheirValues() throws IOException {
        assertThat(written(Tensor.of("y", DataType.UINT8, new long[] {2}, new byte[] {-1, 1})).get("data").toString()).isEqualTo("[255,1]");
        assertThat(written(Tensor.of("y", DataType.INT8, new long[] {2}, new byte[] {-1, 1})).get("data").toString()).isEqualTo("[-1,1]");
        assertThat(written(Tensor.of("y", DataType.UINT16, new long[] {1}, new short[] {-1})).get("data").toString()).isEqualTo("[65535]");
        assertThat(written(Tensor.of("y", DataType.INT16, new long[] {1}, new short[] {-1})).get("data").toString()).isEqualTo("[-1]");
        assertThat(written(Tensor.of("y", DataType.UINT32, new long[] {1}, new int[] {-1})).get("data").toString()).isEqualTo("[4294967295]");
    }

    @Test
    void fp16IsReadAsNumbersRoundedToTheNearestHalfAndWrittenAsItsExactValue() throws IOException {
        Tensor h = json("FP16", "[5]", "[1, 0.1, 65504, -0.0, 6e-8]");
        // 0.1 is nearest to 0x2e66 (0.0999755859375); 6e-8 to the smallest subnormal 2^-24.
        assertThat(h.shorts()).containsExactly((short) 0x3c00, (short) 0x2e66, (short) 0x7bff, (short) 0x8000, (short) 0x0001);
        refusedAsJson("FP16", "[65520]", "beyond the range of FP16");
        refusedAsJson("FP16", "[\"1\"]", "not a number");
        JsonNode out = written(h.named("y"));
        assertThat(out.get("data").get(1).asDouble()).isEqualTo(0.0999755859375);
        assertThat(out.get("data").get(2).asDouble()).isEqualTo(65504);
        assertThat(out.get("data").get(4).asDouble()).isEqualTo(0x1p-24);
    }

    @Test
    void bytesAreUtf8StringsInJsonAndNonUtf8OutputsAskForBinary() throws IOException {
        Tensor s = json("BYTES", "[2, 2]", "[[\"\", \"é\"], [\"a\\u0000b\", \"日本\"]]");
        assertThat(s.byteStrings()).isDeepEqualTo(new byte[][] {{}, "é".getBytes(StandardCharsets.UTF_8), {'a', 0, 'b'},
                "日本".getBytes(StandardCharsets.UTF_8)});
        refusedAsJson("BYTES", "[1]", "BYTES data in JSON is strings");
        refusedAsJson("BYTES", "[\"\\ud800\"]", "unpaired surrogate");
        assertThat(written(s.named("y")).get("data").toString()).isEqualTo("[\"\",\"é\",\"a\\u0000b\",\"日本\"]");

        Tensor raw = Tensor.ofByteStrings("y", new long[] {2}, new byte[][] {{'o', 'k'}, {(byte) 0xff, 0}});
        assertThatThrownBy(() -> written(raw)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.input()).isEqualTo("y");
            assertThat(e.index()).isEqualTo(1);
        }).hasMessageContaining("output 'y'").hasMessageContaining("not UTF-8").hasMessageContaining("binary_data");
        // As binary data the same output goes out byte for byte.
        OipJsonWriter.Encoded e = writer.inferResponse(new InferResult("m", null, "1", "", List.of(raw), 0), Optional.empty(), n -> true);
        byte[] blob = Arrays.copyOfRange(e.body(), e.jsonLength(), e.body().length);
        assertThat(blob).containsExactly(2, 0, 0, 0, 'o', 'k', 2, 0, 0, 0, 0xff, 0);
        assertThat(JSON.readTree(Arrays.copyOf(e.body(), e.jsonLength())).get("outputs").get(0).get("parameters").get("binary_data_size")
                .asInt()).isEqualTo(12);
    }

    // ---------------------------------------------------------------- binary data

    private record Body(byte[] bytes, int jsonLength) {}

    private static Body body(String header, byte[]... blobs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(h);
        for (byte[] b : blobs) {
            out.writeBytes(b);
        }
        return new Body(out.toByteArray(), h.length);
    }

    private static String binaryInput(String name, String type, String shape, long size) {
        return "{\"name\":\"" + name + "\",\"datatype\":\"" + type + "\",\"shape\":" + shape + ",\"parameters\":{\"binary_data_size\":"
                + size + "}}";
    }

    private static byte[] strings(byte[]... elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] e : elements) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(e.length).array());
            out.writeBytes(e);
        }
        return out.toByteArray();
    }

    private List<Tensor> parse(Body b) {
        return reader.parseInfer(b.bytes(), b.jsonLength(), dispatcher).request().inputs();
    }

    @Test
    void binaryBytesAndFp16InputsSitBesideEachOtherInOrder() {
        byte[] s = strings(new byte[] {(byte) 0xff, 0}, new byte[0], "ok".getBytes(StandardCharsets.US_ASCII));
        byte[] h = {0, 0x3c, (byte) 0xff, 0x7b}; // 1.0 and 65504, little-endian
        List<Tensor> in = parse(body("{\"inputs\":[" + binaryInput("s", "BYTES", "[3]", s.length) + ","
                + binaryInput("h", "FP16", "[2]", 4) + "]}", s, h));
        assertThat(in.get(0).byteStrings()).isDeepEqualTo(new byte[][] {{(byte) 0xff, 0}, {}, {'o', 'k'}});
        assertThat(in.get(1).shorts()).containsExactly((short) 0x3c00, (short) 0x7bff);
    }

    @Test
    void aBytesLengthPrefixPastItsBlobIsRefusedNamingTheInputAndElementNotReadFromTheNextInput() {
        byte[] s = strings("a".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer lying = ByteBuffer.allocate(s.length + 4).order(ByteOrder.LITTLE_ENDIAN).put(s).putInt(8);
        byte[] next = new byte[8]; // the next input's bytes: a length must not reach into them
        assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("s", "BYTES", "[2]", lying.capacity()) + ","
                + binaryInput("z", "INT64", "[1]", 8) + "]}", lying.array(), next)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.input()).isEqualTo("s");
                    assertThat(e.index()).isEqualTo(1);
                }).hasMessageContaining("input 's'").hasMessageContaining("says 8 bytes, past the end of the data (0 bytes left)");
    }

    @Test
    void aBytesBlobThatHoldsMoreOrFewerElementsThanTheShapeIsRefused() {
        byte[] three = strings(new byte[] {1}, new byte[] {2}, new byte[] {3});
        assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("s", "BYTES", "[2]", three.length) + "]}", three)))
                .hasMessageContaining("input 's'").hasMessageContaining("5 bytes are left after its 2 BYTES elements");
        byte[] longer = strings(new byte[] {1, 2, 3, 4, 5}, new byte[] {2}, new byte[] {3});
        assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("s", "BYTES", "[4]", longer.length) + "]}", longer)))
                .hasMessageContaining("input 's'").hasMessageContaining("BYTES element 3 has no 4-byte length; 0 bytes are left");
        // More elements than the blob could hold even if each were empty: refused before the array of elements exists.
        assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("s", "BYTES", "[1000000]", three.length) + "]}", three)))
                .hasMessageContaining("1000000 BYTES elements need at least 4000000 bytes");
    }

    @Test
    void shapesWhoseProductOverflowsAreRefusedBeforeAnythingIsAllocated() {
        for (String type : new String[] {"BYTES", "FP16", "UINT64", "INT8"}) {
            assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("s", type, "[4294967296, 4294967296]", 8) + "]}",
                    new byte[8]))).as(type).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.input()).isEqualTo("s"))
                    .hasMessageContaining("more than 2^63");
            assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("s", type, "[1099511627776, 1024]", 8) + "]}",
                    new byte[8]))).as(type).hasMessageContaining("input 's'").hasMessageContaining("elements, more than");
        }
    }

    @Test
    void sizesThatDoNotSumToTheBodyAreRefused() {
        byte[] s = strings(new byte[] {1});
        // The header claims less than the body holds: the rest belongs to no input.
        assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("s", "BYTES", "[1]", s.length) + "]}", s, new byte[3])))
                .hasMessageContaining("binary_data_size add up to 5");
        // More than the body holds.
        assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("s", "BYTES", "[1]", 50) + "]}", s)))
                .hasMessageContaining("input 's'").hasMessageContaining("runs past the end of the body");
        // A fixed-size type's size must be the shape's exactly.
        assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("h", "FP16", "[3]", 4) + "]}", new byte[4])))
                .hasMessageContaining("input 'h'").hasMessageContaining("FP16 needs 6 bytes");
        assertThatThrownBy(() -> parse(body("{\"inputs\":[" + binaryInput("u", "UINT64", "[1]", 4) + "]}", new byte[4])))
                .hasMessageContaining("input 'u'").hasMessageContaining("UINT64 needs 8 bytes");
    }

    @Test
    void aRawBinaryBodyForABytesModelCountsItsElementsForTheBatch() {
        List<TensorSpec> one = List.of(new TensorSpec("s", DataType.BYTES, new long[] {-1, 2}));
        byte[] four = strings(new byte[] {1}, new byte[0], new byte[] {(byte) 0xff}, new byte[] {4, 4});
        Tensor t = OipBinary.rawInput(one, four, dispatcher::elements);
        assertThat(t.shape()).containsExactly(2, 2);
        assertThat(t.byteStrings()[2]).containsExactly(0xff);
        byte[] three = strings(new byte[] {1}, new byte[0], new byte[] {3});
        assertThatThrownBy(() -> OipBinary.rawInput(one, three, dispatcher::elements)).hasMessageContaining("input 's'")
                .hasMessageContaining("holds 3 BYTES elements, not a multiple of the 2");
        byte[] cut = Arrays.copyOf(four, four.length - 1);
        assertThatThrownBy(() -> OipBinary.rawInput(one, cut, dispatcher::elements)).hasMessageContaining("input 's'")
                .hasMessageContaining("past the end");
    }
}
