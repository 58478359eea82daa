package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import dev.hotserve.server.grpc.oip.InferParameter;
import dev.hotserve.server.grpc.oip.InferTensorContents;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.grpc.oip.ModelInferResponse;
import dev.hotserve.server.grpc.oip.ModelMetadataRequest;
import dev.hotserve.server.grpc.oip.ModelMetadataResponse;
import dev.hotserve.server.grpc.oip.ModelReadyRequest;
import dev.hotserve.server.grpc.oip.ServerLiveRequest;
import dev.hotserve.server.grpc.oip.ServerMetadataRequest;
import dev.hotserve.server.grpc.oip.ServerReadyRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Open Inference Protocol over gRPC, with a client generated from the same proto: each of the
 * six RPCs, typed and raw contents, and the status codes of refusals. One scenario per test.
 */
class OipGrpcTest {

    @TempDir
    Path dir;

    private TestServer server;
    private GrpcChannel channel;

    private GRPCInferenceServiceBlockingStub start(Map<String, String> extra) {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = new HashMap<>(extra);
        env.put("HOTSERVE_MODEL_DIR", dir.toString());
        env.put("HOTSERVE_GRPC_PORT", "0");
        server = TestServer.start(dir, env);
        channel = GrpcChannel.to(server);
        return channel.stub(60);
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

    private static ModelInferRequest.InferInputTensor.Builder state(int rows) {
        return ModelInferRequest.InferInputTensor.newBuilder().setName("state").setDatatype("FP32").addShape(rows).addShape(28);
    }

    private static float[] rows(JsonNode ref, int rows) {
        float[] out = new float[rows * 28];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 28; c++) {
                out[r * 28 + c] = (float) ref.get("inputs").get(r).get(c).asDouble();
            }
        }
        return out;
    }

    private static ByteString littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return ByteString.copyFrom(b.array());
    }

    private static float[] floats(ByteString raw) {
        float[] out = new float[raw.size() / 4];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @Test
    void serverLiveAndReady() {
        var stub = start(Map.of());
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    }

    @Test
    void modelReadyForTheModelItsVersionAndItsLabels() {
        var stub = start(Map.of());
        for (String v : new String[] {"", "model_1", "latest", "stable"}) {
            assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("sac").setVersion(v).build()).getReady()).as(v).isTrue();
        }
        assertThatThrownBy(() -> stub.modelReady(ModelReadyRequest.newBuilder().setName("sac").setVersion("model_0").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains("loaded versions: model_1");
                });
    }

    @Test
    void serverMetadata() {
        var stub = start(Map.of());
        var m = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(m.getName()).isEqualTo("hotserve");
        assertThat(m.getExtensionsList()).containsExactly("model_repository", "statistics", "model_configuration");
    }

    @Test
    void modelMetadataGivesTheTensorsWithVariableBatch() {
        var stub = start(Map.of());
        ModelMetadataResponse m = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("sac").build());
        assertThat(m.getName()).isEqualTo("sac");
        assertThat(m.getVersionsList()).containsExactly("model_1");
        assertThat(m.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(m.getInputs(0).getName()).isEqualTo("state");
        assertThat(m.getInputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(m.getInputs(0).getShapeList()).containsExactly(-1L, 28L);
        assertThat(m.getOutputsList()).extracting(ModelMetadataResponse.TensorMetadata::getName).containsExactly("mean", "log_std", "action");
        // What a fleet script compares across replicas: the same sha256 as the native info route.
        String sha = TestServer.json(server.get("/sac/model/info")).get("sha256").asText();
        assertThat(m.getPropertiesMap()).containsEntry("sha256", sha).containsEntry("generation", "1").containsEntry("max_batch_size", "0");
    }

    @Test
    void modelInferWithTypedContentsAnswersTypedWithTheReferenceAction() {
        JsonNode ref = Oip.reference("actor_seed0").get("batch64");
        var stub = start(Map.of());
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (float v : rows(ref, 2)) {
            c.addFp32Contents(v);
        }
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("sac").setId("g-1")
                .addInputs(state(2).setContents(c)).build());
        assertThat(r.getModelName()).isEqualTo("sac");
        assertThat(r.getModelVersion()).isEqualTo("model_1");
        assertThat(r.getId()).isEqualTo("g-1");
        assertThat(r.getRawOutputContentsCount()).isZero();
        assertThat(r.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName).containsExactly("mean", "log_std", "action");
        ModelInferResponse.InferOutputTensor action = r.getOutputs(2);
        assertThat(action.getShapeList()).containsExactly(2L, 1L);
        assertThat((double) action.getContents().getFp32Contents(1)).isCloseTo(ref.get("action").get(1).get(0).asDouble(), within(1e-5));
    }

    @Test
    void modelInferWithRawContentsAnswersRaw() {
        JsonNode ref = Oip.reference("actor_seed0").get("batch64");
        var stub = start(Map.of());
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("sac").setModelVersion("latest")
                .addInputs(state(64)).addRawInputContents(littleEndian(rows(ref, 64)))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("action")).build());
        assertThat(r.getOutputsCount()).isEqualTo(1);
        assertThat(r.getRawOutputContentsCount()).isEqualTo(1);
        float[] action = floats(r.getRawOutputContents(0));
        assertThat(action).hasSize(64);
        for (int i = 0; i < 64; i++) {
            assertThat((double) action[i]).isCloseTo(ref.get("action").get(i).get(0).asDouble(), within(1e-5));
        }
    }

    @Test
    void aSeededStochasticActionIsReproducible() {
        var stub = start(Map.of());
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("sac")
                .addInputs(state(8)).addRawInputContents(littleEndian(new float[8 * 28]))
                .putParameters("deterministic", InferParameter.newBuilder().setBoolParam(false).build())
                .putParameters("seed", InferParameter.newBuilder().setInt64Param(7).build())
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("action")).build();
        assertThat(stub.modelInfer(req).getRawOutputContents(0)).isEqualTo(stub.modelInfer(req).getRawOutputContents(0));
    }

    @Test
    void everyDatatypeGoesThroughGrpcRaw() throws Exception {
        Oip.install(Oip.tensorFixture("types.onnx"), dir, "model_types.onnx");
        var stub = start(Map.of("HOTSERVE_MODEL_NAME", "types"));
        ByteBuffer i32 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        i32.asIntBuffer().put(new int[] {1, -2, 3});
        ByteBuffer i64 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        i64.asLongBuffer().put(new long[] {1, 2, 1L << 40});
        ByteBuffer f64 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        f64.asDoubleBuffer().put(new double[] {0.25, 1, 3});
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("types");
        String[][] inputs = {{"x_fp32", "FP32"}, {"x_fp64", "FP64"}, {"x_int32", "INT32"}, {"x_int64", "INT64"}, {"x_bool", "BOOL"}};
        for (String[] in : inputs) {
            b.addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(in[0]).setDatatype(in[1]).addShape(1).addShape(3));
        }
        b.addRawInputContents(littleEndian(new float[] {0.5f, 1, 2})).addRawInputContents(ByteString.copyFrom(f64.array()))
                .addRawInputContents(ByteString.copyFrom(i32.array())).addRawInputContents(ByteString.copyFrom(i64.array()))
                .addRawInputContents(ByteString.copyFrom(new byte[] {1, 0, 1}));
        ModelInferResponse r = stub.modelInfer(b.build());
        assertThat(r.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getDatatype)
                .containsExactly("FP32", "FP64", "INT32", "INT64", "BOOL");
        assertThat(floats(r.getRawOutputContents(0))).containsExactly(2, 3, 5);
        ByteBuffer y64 = r.getRawOutputContents(3).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(y64.getLong(16)).isEqualTo(3L << 40);
        assertThat(r.getRawOutputContents(2).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt(0)).isEqualTo(2);
        assertThat(r.getRawOutputContents(4).toByteArray()).containsExactly(0, 1, 0);
    }

    @Test
    void rawContentsOfTheWrongByteLengthAreInvalidArgumentNamingTheInput() {
        var stub = start(Map.of());
        assertThatThrownBy(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("sac").addInputs(state(1))
                .addRawInputContents(ByteString.copyFrom(new byte[27 * 4])).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("input 'state': raw_input_contents holds 108 bytes; shape [1, 28]"
                            + " of FP32 needs 112");
                });
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    }

    @Test
    void typedContentsInTheWrongFieldAreInvalidArgumentNamingTheInput() {
        var stub = start(Map.of());
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (int i = 0; i < 28; i++) {
            c.addIntContents(1);
        }
        assertThatThrownBy(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("sac").addInputs(state(1).setContents(c)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("'state'").contains("fp32_contents has 0 values");
                });
    }

    @Test
    void aHugeShapeIsInvalidArgumentWithoutAllocating() {
        var stub = start(Map.of());
        assertThatThrownBy(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("sac")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("state").setDatatype("FP32")
                        .addShape(1_000_000_000_000L).addShape(28)).addRawInputContents(ByteString.copyFrom(new byte[4])).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("28000000000000 elements");
                });
    }

    @Test
    void anUnknownModelIsNotFound() {
        var stub = start(Map.of());
        assertThatThrownBy(() -> stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void withAnApiKeyInferNeedsTheAuthorizationMetadataButLivenessDoesNot() {
        var stub = start(Map.of("HOTSERVE_API_KEY", "user-key"));
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("sac").addInputs(state(1))
                .addRawInputContents(littleEndian(new float[28])).build();
        assertThatThrownBy(() -> stub.modelInfer(req)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        Metadata wrong = new Metadata();
        wrong.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer nope");
        assertThatThrownBy(() -> stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong)).modelInfer(req))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        Metadata key = new Metadata();
        key.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer user-key");
        assertThat(stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(key)).modelInfer(req).getOutputsCount()).isEqualTo(3);
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    }

    @Test
    void aModelWithNoVersionIsNotReadyAndInferIsUnavailable() {
        Map<String, String> env = new HashMap<>();
        env.put("HOTSERVE_MODEL_DIR", dir.resolve("empty").toString());
        env.put("HOTSERVE_GRPC_PORT", "0");
        server = TestServer.start(dir, env);
        channel = GrpcChannel.to(server);
        var stub = channel.stub(60);
        assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isFalse();
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("sac").build()).getReady()).isFalse();
        assertThatThrownBy(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("sac").addInputs(state(1))
                .addRawInputContents(littleEndian(new float[28])).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
