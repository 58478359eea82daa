package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.hotserve.engine.DataType;
import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import dev.hotserve.server.grpc.oip.InferTensorContents;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.grpc.oip.ModelInferResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every OIP datatype end to end, through both engines, driven by Triton's own clients (HTTP with
 * binary data, its default, and with JSON; gRPC with raw contents, its default) and by the proto's
 * generated stubs (typed contents and raw contents). One server serves an identity model of each
 * datatype per engine ({@code onnx_<type>}: {@code identity_<type>.onnx}; {@code pt_<type>}:
 * {@code identity.pt} with a sidecar declaring the type) and the three {@code cast_uint*} models
 * that give the wide unsigned types as outputs. What an engine cannot carry must be refused at
 * load, naming the tensor and the datatype, and reported so; everything else comes back exactly.
 */
class TritonDatatypesTest {

    /** ONNX Runtime's Java API makes no UINT16, UINT32 or UINT64 tensors: inputs of those types are refused. */
    private static final Set<DataType> ONNX_REFUSED = EnumSet.of(DataType.UINT16, DataType.UINT32, DataType.UINT64);
    /** DJL's PyTorch engine has no mapping for these (and libtorch has no strings). */
    private static final Set<DataType> TORCH_REFUSED = EnumSet.of(DataType.INT16, DataType.UINT16, DataType.UINT32, DataType.UINT64,
            DataType.BYTES);
    private static final Map<String, DataType> CASTS = Map.of("cast_uint16", DataType.INT16, "cast_uint32", DataType.INT32,
            "cast_uint64", DataType.INT64);

    @TempDir
    Path dir;

    @TempDir
    Path scratch;

    private TestServer server;
    private GrpcChannel channel;

    @BeforeEach
    void clientIsThere() throws Exception {
        TritonScripts.requireClient(scratch);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static String lower(DataType t) {
        return t.wireName().toLowerCase(Locale.ROOT);
    }

    /** Models the engines serve, each with the datatype of its input. */
    private static Map<String, DataType> served() {
        Map<String, DataType> m = new LinkedHashMap<>();
        for (DataType t : DataType.values()) {
            if (!ONNX_REFUSED.contains(t)) {
                m.put("onnx_" + lower(t), t);
            }
            if (!TORCH_REFUSED.contains(t)) {
                m.put("pt_" + lower(t), t);
            }
        }
        m.putAll(new java.util.TreeMap<>(CASTS));
        return m;
    }

    /** Models whose load must be refused, each with the datatype it is refused for. */
    private static Map<String, DataType> refused() {
        Map<String, DataType> m = new LinkedHashMap<>();
        ONNX_REFUSED.forEach(t -> m.put("onnx_" + lower(t), t));
        TORCH_REFUSED.forEach(t -> m.put("pt_" + lower(t), t));
        return m;
    }

    private static String sidecar(DataType t) {
        return "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"" + t + "\", \"shape\": [-1, 3]}],"
                + " \"outputs\": [{\"name\": \"y\", \"datatype\": \"" + t + "\", \"shape\": [-1, 3]}]}";
    }

    private TestServer start() throws IOException {
        StringBuilder config = new StringBuilder("models:\n");
        for (DataType t : DataType.values()) {
            Path onnx = Files.createDirectory(dir.resolve("onnx_" + lower(t)));
            Oip.install(Oip.tensorFixture("identity_" + lower(t) + ".onnx"), onnx, "model.onnx");
            config.append("  - name: onnx_").append(lower(t)).append("\n    path: onnx_").append(lower(t)).append("/model.onnx\n");
            Path pt = Files.createDirectory(dir.resolve("pt_" + lower(t)));
            Oip.install(Oip.tensorFixture("identity.pt"), pt, "model.pt");
            Files.writeString(pt.resolve("model.pt.json"), sidecar(t));
            config.append("  - name: pt_").append(lower(t)).append("\n    path: pt_").append(lower(t)).append("/model.pt\n");
        }
        for (String cast : CASTS.keySet()) {
            Path d = Files.createDirectory(dir.resolve(cast));
            Oip.install(Oip.tensorFixture(cast + ".onnx"), d, "model.onnx");
            config.append("  - name: ").append(cast).append("\n    path: ").append(cast).append("/model.onnx\n");
        }
        Path file = Files.writeString(dir.resolve("hotserve.yaml"), config);
        server = TestServer.start(dir, Map.of("HOTSERVE_CONFIG", file.toString(), "HOTSERVE_GRPC_PORT", "0"));
        return server;
    }

    private int grpcPort() {
        return server.server.grpcPort().orElseThrow();
    }

    private JsonNode runScript(String protocol) throws Exception {
        List<String> args = new ArrayList<>(List.of(protocol, "127.0.0.1:" + grpcPort()));
        args.addAll(served().keySet());
        return TritonScripts.run(scratch, server, "infer_datatypes.py", args.toArray(String[]::new));
    }

    /** The output a model of that input type and name must give for {@code input}: itself, or the cast's unsigned bits. */
    private static JsonNode expected(String model, JsonNode input) {
        if (!CASTS.containsKey(model)) {
            return input.get("data");
        }
        int bits = CASTS.get(model).byteSize() * 8;
        BigInteger modulus = BigInteger.ONE.shiftLeft(bits);
        var out = TestServer.JSON.createArrayNode();
        for (JsonNode v : input.get("data")) {
            out.add(v.bigIntegerValue().mod(modulus));
        }
        return out;
    }

    private static String outputType(String model, DataType in) {
        return CASTS.containsKey(model) ? "U" + in.wireName() : in.wireName();
    }

    /** Integer nodes compared by value (an int and a long of one value are equal), everything else exactly. */
    private static void assertSameData(String what, JsonNode got, JsonNode want) {
        assertThat(got.size()).as(what).isEqualTo(want.size()).isPositive();
        for (int i = 0; i < want.size(); i++) {
            if (want.get(i).isIntegralNumber()) {
                assertThat(got.get(i).bigIntegerValue()).as(what + "[" + i + "]").isEqualTo(want.get(i).bigIntegerValue());
            } else {
                assertThat(got.get(i)).as(what + "[" + i + "]").isEqualTo(want.get(i));
            }
        }
    }

    @Test
    void tritonsHttpClientGetsEveryDatatypeBackExactlyAsBinaryAndAsJson() throws Exception {
        try (TestServer s = start()) {
            JsonNode got = runScript("http");
            served().forEach((model, type) -> {
                JsonNode m = got.get(model);
                assertThat(m).as(model).isNotNull();
                assertThat(m.get("metadata").get("inputs").get(0).asText()).as(model + " input").isEqualTo(type.wireName());
                assertThat(m.get("metadata").get("outputs").get(0).asText()).as(model + " output").isEqualTo(outputType(model, type));
                assertThat(m.get("binary").get("binary").asBoolean()).as(model + " binary").isTrue();
                assertThat(m.get("binary").get("datatype").asText()).isEqualTo(outputType(model, type));
                assertThat(m.get("binary").get("output").get("shape").toString()).isEqualTo("[2,3]");
                assertSameData(model + " binary", m.get("binary").get("output").get("data"), expected(model, m.get("input")));
                assertThat(m.get("json").get("binary").asBoolean()).as(model + " json").isFalse();
                assertSameData(model + " json", m.get("json").get("output").get("data"), expected(model, m.get("input")));
            });
            // The values a double cannot hold, exactly, both ways.
            for (String way : new String[] {"binary", "json"}) {
                assertThat(got.at("/onnx_int64/" + way + "/output/data/2").asLong()).isEqualTo(9007199254740993L);
                assertThat(got.at("/pt_int64/" + way + "/output/data/2").asLong()).isEqualTo(9007199254740993L);
                assertThat(got.at("/cast_uint64/" + way + "/output/data/3").bigIntegerValue())
                        .isEqualTo(new BigInteger("18446744073709551615"));
                assertThat(got.at("/cast_uint64/" + way + "/output/data/0").bigIntegerValue())
                        .isEqualTo(new BigInteger("9223372036854775808"));
                assertThat(got.at("/onnx_fp16/" + way + "/output/data/4").asDouble()).isEqualTo(0.0999755859375);
                assertThat(got.at("/pt_fp16/" + way + "/output/data/1").asDouble()).isEqualTo(65504);
            }
            for (String way : new String[] {"binary", "json"}) {
                assertThat(got.at("/onnx_bytes/" + way + "/output/data/1").asText()).isEqualTo("610062"); // "a\0b"
                assertThat(got.at("/onnx_bytes/" + way + "/output/data/5").asText()).isEqualTo("e697a5e69cac"); // 日本
            }
            // Bytes that are not UTF-8 cannot become an ONNX string: a 400 naming the input, never a replacement character.
            assertThat(got.at("/onnx_bytes/non_utf8_input/data/1").asText()).isEqualTo("ff00");
            assertThat(got.at("/onnx_bytes/non_utf8/status").asText()).isEqualTo("400");
            assertThat(got.at("/onnx_bytes/non_utf8/message").asText()).contains("input 'x'").contains("not UTF-8");

            Map<String, JsonNode> index = new LinkedHashMap<>();
            for (JsonNode e : got.get("_index")) {
                index.put(e.get("name").asText(), e);
            }
            served().keySet().forEach(m -> assertThat(index.get(m).get("state").asText()).as(m).isEqualTo("READY"));
            refused().forEach((model, type) -> {
                JsonNode e = index.get(model);
                assertThat(e.get("state").asText()).as(model).isEqualTo("UNAVAILABLE");
                assertThat(e.get("reason").asText()).as(model).contains("'x'").contains(type.wireName());
            });
        }
    }

    @Test
    void modelsOfADatatypeTheirEngineCannotCarryAreRefusedNamingTheTensorAndTheDatatypeNeverA500() throws Exception {
        try (TestServer s = start()) {
            refused().forEach((model, type) -> {
                HttpResponse<String> meta = s.get("/v2/models/" + model);
                HttpResponse<String> infer = s.post("/v2/models/" + model + "/infer",
                        Oip.infer("x", type.wireName(), new long[] {1, 3}, type == DataType.BYTES ? "[\"a\",\"b\",\"c\"]" : "[1,2,3]", ""));
                for (HttpResponse<String> r : List.of(meta, infer)) {
                    assertThat(r.statusCode()).as(model + " " + r.body()).isNotEqualTo(500).isGreaterThanOrEqualTo(400);
                    assertThat(TestServer.json(r).get("error").asText()).as(model).contains("'x'").contains(type.wireName());
                }
                assertThat(s.get("/v2/models/" + model + "/ready").statusCode()).as(model).isNotEqualTo(200);
            });
        }
    }

    @Test
    void tritonsGrpcClientGetsEveryDatatypeBackExactlyAsRawContents() throws Exception {
        try (TestServer s = start()) {
            JsonNode got = runScript("grpc");
            served().forEach((model, type) -> {
                JsonNode m = got.get(model);
                assertThat(m.get("metadata").get("inputs").get(0).asText()).as(model).isEqualTo(type.wireName());
                assertThat(m.get("metadata").get("outputs").get(0).asText()).as(model).isEqualTo(outputType(model, type));
                assertThat(m.get("raw").get("raw_outputs").asInt()).as(model).isEqualTo(1);
                assertThat(m.get("raw").get("datatype").asText()).isEqualTo(outputType(model, type));
                assertSameData(model + " raw", m.get("raw").get("output").get("data"), expected(model, m.get("input")));
            });
            assertThat(got.at("/cast_uint64/raw/output/data/3").bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551615"));
            assertThat(got.at("/pt_int64/raw/output/data/2").asLong()).isEqualTo(9007199254740993L);
            assertThat(got.at("/onnx_bytes/raw/output/data/5").asText()).isEqualTo("e697a5e69cac");
            assertThat(got.at("/onnx_bytes/non_utf8/status").asText()).isEqualTo("StatusCode.INVALID_ARGUMENT");
            assertThat(got.at("/onnx_bytes/non_utf8/message").asText()).contains("input 'x'").contains("not UTF-8");
        }
    }

    // ---------------------------------------------------------------- the proto's own stubs

    /** Six edge values of a type, written by hand into the proto's typed field and as raw little-endian bytes. */
    private record Edge(InferTensorContents typed, byte[] raw) {}

    private static Edge edge(DataType type) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case BOOL -> {
                for (boolean v : new boolean[] {true, false, true, false, false, true}) {
                    c.addBoolContents(v);
                    b.put(v ? (byte) 1 : 0);
                }
            }
            case INT8, INT16, INT32 -> {
                int bits = type.byteSize() * 8;
                for (long v : new long[] {-(1L << (bits - 1)), (1L << (bits - 1)) - 1, 0, -1, 1, 42}) {
                    c.addIntContents((int) v);
                    putLe(b, v, type.byteSize());
                }
            }
            case UINT8, UINT16, UINT32 -> {
                int bits = type.byteSize() * 8;
                for (long v : new long[] {0, (1L << bits) - 1, 1, 1L << (bits - 1), (1L << (bits - 1)) - 1, 42}) {
                    c.addUintContents((int) v);
                    putLe(b, v, type.byteSize());
                }
            }
            case INT64 -> {
                for (long v : new long[] {Long.MIN_VALUE, Long.MAX_VALUE, (1L << 53) + 1, -1, 1, 42}) {
                    c.addInt64Contents(v);
                    b.putLong(v);
                }
            }
            case UINT64 -> {
                for (long v : new long[] {0, -1L, 1, Long.MIN_VALUE, Long.MAX_VALUE, 42}) {
                    c.addUint64Contents(v);
                    b.putLong(v);
                }
            }
            case FP16 -> {
                for (short v : new short[] {0, 0x7bff, (short) 0xc100, 0x0400, 0x2e66, (short) 0x8000}) {
                    b.putShort(v);
                }
            }
            case FP32 -> {
                for (float v : new float[] {0, Float.MAX_VALUE, -2.5f, Float.MIN_VALUE, 0.1f, -0f}) {
                    c.addFp32Contents(v);
                    b.putFloat(v);
                }
            }
            case FP64 -> {
                for (double v : new double[] {0, Double.MAX_VALUE, -2.5, Double.MIN_VALUE, 0.1, -0.0}) {
                    c.addFp64Contents(v);
                    b.putDouble(v);
                }
            }
            case BYTES -> {
                // UTF-8 only: the one BYTES model is an ONNX string tensor (non-UTF-8 is refused, see the scripts' tests).
                for (byte[] v : new byte[][] {{}, {'a', 0, 'b'}, {'h', 'i'}, {(byte) 0xc3, (byte) 0xa9}, {0}, {'z'}}) {
                    c.addBytesContents(ByteString.copyFrom(v));
                    b.putInt(v.length).put(v);
                }
            }
        }
        return new Edge(c.build(), java.util.Arrays.copyOf(b.array(), b.position()));
    }

    private static void putLe(ByteBuffer b, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            b.put((byte) (v >>> (8 * i)));
        }
    }

    @Test
    void theProtosStubsCarryEveryDatatypeAsTypedAndAsRawContentsThroughBothEngines() throws Exception {
        try (TestServer s = start()) {
            channel = GrpcChannel.to(s);
            GRPCInferenceServiceBlockingStub stub = channel.stub(120);
            served().forEach((model, type) -> {
                if (CASTS.containsKey(model)) {
                    return; // identity models only: the output must equal the input
                }
                Edge e = edge(type);
                ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor.newBuilder().setName("x")
                        .setDatatype(type.wireName()).addShape(2).addShape(3);
                ModelInferResponse raw = stub.modelInfer(ModelInferRequest.newBuilder().setModelName(model).addInputs(in)
                        .addRawInputContents(ByteString.copyFrom(e.raw())).build());
                assertThat(raw.getOutputs(0).getDatatype()).as(model).isEqualTo(type.wireName());
                assertThat(raw.getOutputs(0).getShapeList()).containsExactly(2L, 3L);
                assertThat(raw.getRawOutputContents(0).toByteArray()).as(model + " raw").isEqualTo(e.raw());
                if (type == DataType.FP16) {
                    return; // no typed field in the proto: raw only
                }
                ModelInferResponse typed = stub.modelInfer(ModelInferRequest.newBuilder().setModelName(model)
                        .addInputs(in.clone().setContents(e.typed())).build());
                assertThat(typed.getRawOutputContentsCount()).as(model).isZero();
                assertThat(typed.getOutputs(0).getContents()).as(model + " typed").isEqualTo(e.typed());
            });
            // The wide unsigned outputs in their own typed fields: -1 in, every bit set out.
            CASTS.forEach((model, signed) -> {
                InferTensorContents.Builder c = InferTensorContents.newBuilder();
                for (int i = 0; i < 3; i++) {
                    if (signed == DataType.INT64) {
                        c.addInt64Contents(i - 1);
                    } else {
                        c.addIntContents(i - 1);
                    }
                }
                ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName(model).addInputs(ModelInferRequest
                        .InferInputTensor.newBuilder().setName("x").setDatatype(signed.wireName()).addShape(1).addShape(3).setContents(c))
                        .build());
                InferTensorContents out = r.getOutputs(0).getContents();
                if (signed == DataType.INT64) {
                    assertThat(Long.toUnsignedString(out.getUint64Contents(0))).isEqualTo("18446744073709551615");
                    assertThat(out.getUint64ContentsList()).containsExactly(-1L, 0L, 1L);
                } else {
                    long max = (1L << (signed.byteSize() * 8)) - 1;
                    assertThat(Integer.toUnsignedLong(out.getUintContents(0))).as(model).isEqualTo(max);
                    assertThat(out.getUintContents(2)).isEqualTo(1);
                }
            });
        }
    }
}
