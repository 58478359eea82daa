package dev.hotserve.server.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.engine.TensorSpec;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.Failure;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The edges of Triton's binary tensor data: every size a client gives is checked before anything is allocated for it. */
class OipBinaryTest {

    private final Dispatcher dispatcher = new Dispatcher(null, Limits.defaults()); // parsing needs only the limits
    private final OipJsonReader json = new OipJsonReader(new JsonKit());

    /** A JSON header, then the blobs; the header's length as the client would send it. */
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

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return b.array();
    }

    private static String binaryInput(String name, String type, String shape, long size) {
        return "{\"name\":\"" + name + "\",\"datatype\":\"" + type + "\",\"shape\":" + shape + ",\"parameters\":{\"binary_data_size\":"
                + size + "}}";
    }

    private OipJsonReader.InferBody parse(Body b) {
        return json.parseInfer(b.bytes(), b.jsonLength(), dispatcher);
    }

    @Test
    void anAbsentHeaderMeansTheWholeBodyIsJson() {
        assertThat(OipBinary.headerLength(Optional.empty(), 42)).isEqualTo(42);
        assertThat(OipBinary.headerLength(Optional.of(" 17 "), 42)).isEqualTo(17);
        assertThat(OipBinary.headerLength(Optional.of("0"), 42)).isZero();
    }

    @Test
    void aNegativeHeaderLengthIsRefused() {
        assertThatThrownBy(() -> OipBinary.headerLength(Optional.of("-1"), 42)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(Failure.of(e, "test").kind()).isEqualTo(Failure.Kind.BAD_INPUT)).hasMessageContaining("Inference-Header-Content-Length is -1");
    }

    @Test
    void aNonNumericHeaderLengthIsRefused() {
        for (String v : List.of("ten", "1e3", "", "99999999999999999999")) {
            assertThatThrownBy(() -> OipBinary.headerLength(Optional.of(v), 42)).isInstanceOfSatisfying(InvalidInputException.class,
                    e -> assertThat(Failure.of(e, "test").kind()).isEqualTo(Failure.Kind.BAD_INPUT)).hasMessageContaining("non-negative integer");
        }
    }

    @Test
    void aHeaderLengthPastTheBodyIsRefused() {
        assertThatThrownBy(() -> OipBinary.headerLength(Optional.of("43"), 42)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(Failure.of(e, "test").kind()).isEqualTo(Failure.Kind.BAD_INPUT)).hasMessageContaining("past the end of the 42-byte body");
    }

    @Test
    void mixedJsonAndBinaryInputsTakeTheirBlobsInOrder() {
        Body b = body("{\"inputs\":[" + binaryInput("a", "FP32", "[1,2]", 8)
                + ",{\"name\":\"j\",\"datatype\":\"INT64\",\"shape\":[2],\"data\":[7,8]},"
                + binaryInput("c", "INT64", "[1]", 8) + "]}", floats(0.5f, -2f), longs(1L << 60));
        List<Tensor> in = parse(b).request().inputs();
        assertThat(in.get(0).floats()).containsExactly(0.5f, -2f);
        assertThat(in.get(1).longs()).containsExactly(7, 8);
        assertThat(in.get(2).longs()).containsExactly(1L << 60);
    }

    @Test
    void aSizeThatDoesNotFitTheShapeIsRefusedNamingTheInput() {
        Body b = body("{\"inputs\":[" + binaryInput("state", "FP32", "[1,28]", 100) + "]}", new byte[100]);
        assertThatThrownBy(() -> parse(b)).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.input()).isEqualTo("state"))
                .hasMessageContaining("binary_data_size is 100").hasMessageContaining("needs 112 bytes");
    }

    @Test
    void aSizePastTheEndOfTheBodyIsRefusedNamingTheInput() {
        Body b = body("{\"inputs\":[" + binaryInput("a", "FP32", "[2]", 8) + "," + binaryInput("b", "FP32", "[2]", 8) + "]}",
                floats(1, 2), floats(3));
        assertThatThrownBy(() -> parse(b)).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.input()).isEqualTo("b"))
                .hasMessageContaining("runs past the end of the body").hasMessageContaining("4 bytes");
    }

    @Test
    void sizesThatDoNotAddUpToTheBinaryPartAreRefused() {
        Body b = body("{\"inputs\":[" + binaryInput("a", "FP32", "[2]", 8) + "]}", floats(1, 2, 3));
        assertThatThrownBy(() -> parse(b)).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(Failure.of(e, "test").kind()).isEqualTo(Failure.Kind.BAD_INPUT))
                .hasMessageContaining("12 bytes of binary data").hasMessageContaining("add up to 8");
    }

    @Test
    void aNegativeOrNonIntegerSizeIsRefusedNamingTheInput() {
        for (String size : List.of("-8", "8.5", "\"8\"", "123456789012345678901234567890")) {
            Body b = body("{\"inputs\":[{\"name\":\"a\",\"datatype\":\"FP32\",\"shape\":[2],\"parameters\":{\"binary_data_size\":" + size
                    + "}}]}", floats(1, 2));
            assertThatThrownBy(() -> parse(b)).as(size).isInstanceOfSatisfying(InvalidInputException.class,
                    e -> assertThat(e.input()).isEqualTo("a")).hasMessageContaining("binary_data_size must be a non-negative integer");
        }
    }

    @Test
    void aShapeWhoseProductOverflowsIsRefusedBeforeAnyAllocation() {
        Body b = body("{\"inputs\":[" + binaryInput("a", "FP32", "[4294967296,4294967296,4]", 16) + "]}", floats(1, 2, 3, 4));
        assertThatThrownBy(() -> parse(b)).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.input()).isEqualTo("a"))
                .hasMessageContaining("more than 2^63");
        // A size that multiplies out past int, with a shape within the limits, is still compared as a long.
        Body c = body("{\"inputs\":[" + binaryInput("a", "FP64", "[1000000]", 8_000_000L + (1L << 32)) + "]}", new byte[8]);
        assertThatThrownBy(() -> parse(c)).isInstanceOf(InvalidInputException.class).hasMessageContaining("needs 8000000 bytes");
    }

    @Test
    void dataAndABinarySizeTogetherAreRefused() {
        Body b = body("{\"inputs\":[{\"name\":\"a\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1],\"parameters\":{\"binary_data_size\":4}}]}",
                floats(1));
        assertThatThrownBy(() -> parse(b)).isInstanceOf(InvalidInputException.class).hasMessageContaining("both data and");
    }

    @Test
    void boolBytesOtherThanZeroOrOneAreRefused() {
        Body b = body("{\"inputs\":[" + binaryInput("flags", "BOOL", "[3]", 3) + "]}", new byte[] {1, 0, 2});
        assertThatThrownBy(() -> parse(b)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.input()).isEqualTo("flags");
            assertThat(e.index()).isEqualTo(2);
        });
    }

    @Test
    void binaryOutputsAreAskedPerRequestAndPerOutput() {
        OipJsonReader.InferBody all = parse(body("{\"inputs\":[],\"parameters\":{\"binary_data_output\":true},"
                + "\"outputs\":[{\"name\":\"x\"},{\"name\":\"y\",\"parameters\":{\"binary_data\":false}}]}"));
        assertThat(all.binary("x")).isTrue();
        assertThat(all.binary("y")).isFalse();
        OipJsonReader.InferBody one = parse(body("{\"inputs\":[],\"outputs\":[{\"name\":\"y\",\"parameters\":{\"binary_data\":true}}]}"));
        assertThat(one.binary("y")).isTrue();
        assertThat(one.binary("x")).isFalse();
    }

    @Test
    void bytesElementsAreLengthPrefixed() {
        ByteBuffer b = ByteBuffer.allocate(4 + 2 + 4 + 0 + 4 + 3).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(2).put(new byte[] {(byte) 0xff, 0}).putInt(0).putInt(3).put("abc".getBytes(StandardCharsets.US_ASCII));
        byte[][] e = OipBinary.bytesElements("s", b.array(), 0, b.capacity(), 3);
        assertThat(e[0]).containsExactly(0xff, 0);
        assertThat(e[1]).isEmpty();
        assertThat(e[2]).containsExactly('a', 'b', 'c');
    }

    @Test
    void aBytesLengthPastTheBlobIsRefusedNamingTheElement() {
        ByteBuffer b = ByteBuffer.allocate(4 + 2 + 4 + 1).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(2).put(new byte[2]).putInt(0x7fffffff).put((byte) 1);
        assertThatThrownBy(() -> OipBinary.bytesElements("s", b.array(), 0, b.capacity(), 2))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.input()).isEqualTo("s");
                    assertThat(e.index()).isEqualTo(1);
                }).hasMessageContaining("2147483647 bytes, past the end");
        // An unsigned length of 2^32-1 is not a negative number.
        ByteBuffer c = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1);
        assertThatThrownBy(() -> OipBinary.bytesElements("s", c.array(), 0, 4, 1)).hasMessageContaining("4294967295 bytes");
    }

    @Test
    void moreBytesElementsThanTheBlobCanHoldAreRefusedBeforeTheArray() {
        assertThatThrownBy(() -> OipBinary.bytesElements("s", new byte[8], 0, 8, Integer.MAX_VALUE))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("need at least");
        assertThatThrownBy(() -> OipBinary.bytesElements("s", new byte[6], 0, 6, 1)).hasMessageContaining("2 bytes are left after");
    }

    @Test
    void aRawBinaryBodyIsTheOneInputWithItsBatchDeducedFromItsSize() {
        List<TensorSpec> one = List.of(TensorSpec.rows("state", DataType.FP32, 2));
        Tensor t = OipBinary.rawInput(one, floats(1, 2, 3, 4, 5, 6), dispatcher::elements);
        assertThat(t.shape()).containsExactly(3, 2);
        assertThat(t.floats()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThatThrownBy(() -> OipBinary.rawInput(one, new byte[12], dispatcher::elements))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.input()).isEqualTo("state"))
                .hasMessageContaining("not a multiple of the 8 bytes");
        List<TensorSpec> two = List.of(one.get(0), TensorSpec.rows("other", DataType.FP32, 2));
        assertThatThrownBy(() -> OipBinary.rawInput(two, new byte[8], dispatcher::elements)).hasMessageContaining("model of one input");
    }

    @Test
    void outputsAreWrittenLittleEndianRowMajor() {
        Tensor t = Tensor.ofLongs("y", new long[] {2}, new long[] {1, -1});
        byte[] dest = new byte[3 + OipBinary.byteSize(t)];
        OipBinary.write(t, dest, 3);
        assertThat(dest).containsExactly(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1);
    }
}
