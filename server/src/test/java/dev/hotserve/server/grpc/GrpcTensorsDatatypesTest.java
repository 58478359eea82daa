package dev.hotserve.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.grpc.oip.InferTensorContents;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.grpc.oip.ModelInferResponse;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.InferResult;
import dev.hotserve.server.inference.ModelRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every datatype through the proto's own messages, as a client built from the published
 * {@code grpc_service.proto} writes them: typed {@code contents} (the field the proto gives each
 * type) and {@code raw_input_contents}, in and out, values at the edges of each type.
 */
class GrpcTensorsDatatypesTest {

    private final Dispatcher dispatcher = new Dispatcher(new ModelRegistry(null, Duration.ZERO), Limits.defaults());

    /** Six values at the edges of each type, as the bits a tensor keeps. */
    static Tensor edges(String name, DataType type) {
        long[] shape = {2, 3};
        return Tensor.of(name, type, shape, switch (type) {
            case BOOL -> new boolean[] {true, false, true, false, false, true};
            case UINT8, INT8 -> new byte[] {0, 1, -1, (byte) 0x80, 0x7f, 42};
            case UINT16, INT16, FP16 -> new short[] {0, 1, -1, (short) 0x8000, 0x7bff, 0x3c00};
            case UINT32, INT32 -> new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 42};
            case UINT64, INT64 -> new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, (1L << 53) + 1};
            case FP32 -> new float[] {0, 1.5f, -2, Float.MIN_VALUE, Float.MAX_VALUE, 1e-3f};
            case FP64 -> new double[] {0, 1.5, -2, Double.MIN_VALUE, Double.MAX_VALUE, 1e-300};
            case BYTES -> new byte[][] {{}, {(byte) 0xff, 0}, {'a'}, {}, {1}, {2}};
        });
    }

    /** The typed contents a client writes for the tensor's values: unsigned and narrow values widened as the proto says. */
    static InferTensorContents typed(Tensor t) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (int i = 0; i < t.size(); i++) {
            switch (t.type()) {
                case BOOL -> c.addBoolContents(t.booleans()[i]);
                case INT8 -> c.addIntContents(t.bytes()[i]);
                case INT16 -> c.addIntContents(t.shorts()[i]);
                case INT32 -> c.addIntContents(t.ints()[i]);
                case INT64 -> c.addInt64Contents(t.longs()[i]);
                case UINT8 -> c.addUintContents(Byte.toUnsignedInt(t.bytes()[i]));
                case UINT16 -> c.addUintContents(Short.toUnsignedInt(t.shorts()[i]));
                case UINT32 -> c.addUintContents(t.ints()[i]);
                case UINT64 -> c.addUint64Contents(t.longs()[i]);
                case FP32 -> c.addFp32Contents(t.floats()[i]);
                case FP64 -> c.addFp64Contents(t.doubles()[i]);
                case BYTES -> c.addBytesContents(ByteString.copyFrom(t.byteStrings()[i]));
                case FP16 -> throw new IllegalArgumentException("FP16 has no typed contents");
            }
        }
        return c.build();
    }

    /** The raw little-endian bytes a client writes, built independently of the server's codec. */
    static byte[] raw(Tensor t) {
        if (t.type() == DataType.BYTES) {
            int n = 0;
            for (byte[] e : t.byteStrings()) {
                n += 4 + e.length;
            }
            ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
            for (byte[] e : t.byteStrings()) {
                b.putInt(e.length).put(e);
            }
            return b.array();
        }
        ByteBuffer b = ByteBuffer.allocate(t.size() * t.type().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < t.size(); i++) {
            switch (t.type()) {
                case BOOL -> b.put(t.booleans()[i] ? (byte) 1 : 0);
                case INT8, UINT8 -> b.put(t.bytes()[i]);
                case INT16, UINT16, FP16 -> b.putShort(t.shorts()[i]);
                case INT32, UINT32 -> b.putInt(t.ints()[i]);
                case INT64, UINT64 -> b.putLong(t.longs()[i]);
                case FP32 -> b.putFloat(t.floats()[i]);
                case FP64 -> b.putDouble(t.doubles()[i]);
                case BYTES -> throw new IllegalStateException();
            }
        }
        return b.array();
    }

    private static ModelInferRequest.InferInputTensor.Builder input(Tensor t) {
        return ModelInferRequest.InferInputTensor.newBuilder().setName(t.name()).setDatatype(t.type().wireName()).addShape(2).addShape(3);
    }

    private static void assertSame(Tensor got, Tensor want) {
        assertThat(got.type()).isEqualTo(want.type());
        assertThat(got.shape()).containsExactly(want.shape());
        if (want.type() == DataType.BYTES) {
            assertThat(got.byteStrings()).isDeepEqualTo(want.byteStrings());
        } else {
            assertThat(got.array()).isEqualTo(want.array());
        }
    }

    private static InferResult result(Tensor... outputs) {
        return new InferResult("m", null, "1", "", List.of(outputs), 0);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = "FP16", mode = EnumSource.Mode.EXCLUDE)
    void typedContentsCarryEveryValueInAndOut(DataType type) {
        Tensor want = edges("x", type);
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m").addInputs(input(want).setContents(typed(want))).build();
        Tensor got = GrpcTensors.request(req, dispatcher).inputs().get(0);
        assertSame(got, want);

        ModelInferResponse r = GrpcTensors.response(result(want.named("y")), Optional.empty(), GrpcTensors.Contents.of(req));
        assertThat(r.getRawOutputContentsCount()).isZero();
        ModelInferResponse.InferOutputTensor out = r.getOutputs(0);
        assertThat(out.getDatatype()).isEqualTo(type.wireName());
        assertThat(out.getShapeList()).containsExactly(2L, 3L);
        assertThat(out.getContents()).isEqualTo(typed(want));
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void rawContentsCarryEveryValueInAndOut(DataType type) {
        Tensor want = edges("x", type);
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m").addInputs(input(want))
                .addRawInputContents(ByteString.copyFrom(raw(want))).build();
        assertSame(GrpcTensors.request(req, dispatcher).inputs().get(0), want);

        ModelInferResponse r = GrpcTensors.response(result(want.named("y")), Optional.empty(), GrpcTensors.Contents.of(req));
        assertThat(r.getOutputs(0).getDatatype()).isEqualTo(type.wireName());
        assertThat(r.getOutputs(0).hasContents()).isFalse();
        assertThat(r.getRawOutputContents(0).toByteArray()).isEqualTo(raw(want));
    }

    @Test
    void uint64AboveTwoToTheSixtyThreeIsExactInBothForms() {
        Tensor max = Tensor.of("x", DataType.UINT64, new long[] {2}, new long[] {-1L, Long.MIN_VALUE});
        ModelInferRequest req = ModelInferRequest.newBuilder().addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x")
                .setDatatype("UINT64").addShape(2).setContents(InferTensorContents.newBuilder()
                        .addUint64Contents(Long.parseUnsignedLong("18446744073709551615"))
                        .addUint64Contents(Long.parseUnsignedLong("9223372036854775808")))).build();
        Tensor got = GrpcTensors.request(req, dispatcher).inputs().get(0);
        assertThat(got.longs()).containsExactly(max.longs());
        assertThat(Long.toUnsignedString(got.longs()[0])).isEqualTo("18446744073709551615");
    }

    @Test
    void fp16HasNoTypedFieldSoTypedContentsAreRefusedAndAnFp16OutputSendsEveryOutputRaw() {
        ModelInferRequest req = ModelInferRequest.newBuilder().addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("h")
                .setDatatype("FP16").addShape(1).setContents(InferTensorContents.newBuilder().addFp32Contents(1))).build();
        assertThatThrownBy(() -> GrpcTensors.request(req, dispatcher)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.input()).isEqualTo("h")).hasMessageContaining("FP16").hasMessageContaining("raw_input_contents");

        Tensor half = edges("h", DataType.FP16);
        Tensor ints = edges("i", DataType.INT32);
        ModelInferResponse r = GrpcTensors.response(result(half, ints), Optional.empty(), GrpcTensors.Contents.TYPED);
        assertThat(r.getRawOutputContentsCount()).isEqualTo(2);
        assertThat(r.getRawOutputContents(0).toByteArray()).isEqualTo(raw(half));
        assertThat(r.getRawOutputContents(1).toByteArray()).isEqualTo(raw(ints));
        assertThat(r.getOutputs(1).hasContents()).isFalse();
    }

    @Test
    void narrowTypesOutOfRangeInTheirWideFieldAreRefusedNamingTheInputAndIndex() {
        for (var c : List.of(
                new Object[] {"INT8", InferTensorContents.newBuilder().addIntContents(1).addIntContents(128), "beyond INT8"},
                new Object[] {"INT16", InferTensorContents.newBuilder().addIntContents(1).addIntContents(-32769), "beyond INT16"},
                new Object[] {"UINT8", InferTensorContents.newBuilder().addUintContents(1).addUintContents(256), "beyond UINT8"},
                new Object[] {"UINT16", InferTensorContents.newBuilder().addUintContents(1).addUintContents(-1), "4294967295, beyond UINT16"})) {
            ModelInferRequest req = ModelInferRequest.newBuilder().addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("n")
                    .setDatatype((String) c[0]).addShape(2).setContents((InferTensorContents.Builder) c[1])).build();
            assertThatThrownBy(() -> GrpcTensors.request(req, dispatcher)).as((String) c[0])
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                        assertThat(e.input()).isEqualTo("n");
                        assertThat(e.index()).isEqualTo(1);
                    }).hasMessageContaining((String) c[2]);
        }
    }

    @Test
    void valuesInTheWrongTypedFieldAreRefusedNamingTheFieldTheDatatypeUses() {
        ModelInferRequest req = ModelInferRequest.newBuilder().addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("u")
                .setDatatype("UINT32").addShape(1).setContents(InferTensorContents.newBuilder().addIntContents(7))).build();
        assertThatThrownBy(() -> GrpcTensors.request(req, dispatcher)).hasMessageContaining("input 'u'")
                .hasMessageContaining("uint_contents has 0 values").hasMessageContaining("another field");
    }

    @Test
    void rawBytesElementsWhoseLengthsRunPastTheEntryAreRefusedNamingTheElement() {
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 4).order(ByteOrder.LITTLE_ENDIAN).putInt(1).put((byte) 'a').putInt(1000);
        ModelInferRequest req = ModelInferRequest.newBuilder().addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("s")
                .setDatatype("BYTES").addShape(2)).addRawInputContents(ByteString.copyFrom(b.array())).build();
        assertThatThrownBy(() -> GrpcTensors.request(req, dispatcher)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.input()).isEqualTo("s");
            assertThat(e.index()).isEqualTo(1);
        }).hasMessageContaining("raw_input_contents").hasMessageContaining("says 1000 bytes, past the end");
    }
}
