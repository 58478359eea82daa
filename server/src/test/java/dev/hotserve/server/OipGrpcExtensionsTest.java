package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.hotserve.server.grpc.oip.DataType;
import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import dev.hotserve.server.grpc.oip.InferTensorContents;
import dev.hotserve.server.grpc.oip.ModelConfig;
import dev.hotserve.server.grpc.oip.ModelConfigRequest;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.grpc.oip.ModelRepositoryParameter;
import dev.hotserve.server.grpc.oip.ModelStatistics;
import dev.hotserve.server.grpc.oip.ModelStatisticsRequest;
import dev.hotserve.server.grpc.oip.RepositoryIndexRequest;
import dev.hotserve.server.grpc.oip.RepositoryIndexResponse;
import dev.hotserve.server.grpc.oip.RepositoryModelLoadRequest;
import dev.hotserve.server.grpc.oip.RepositoryModelUnloadRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's extension methods over gRPC, with stubs generated from our proto (the same names and
 * numbers as Triton's {@code grpc_service.proto}): configuration, statistics, and the repository
 * with its admin key and limits.
 */
class OipGrpcExtensionsTest {

    private static final String ADMIN_KEY = "grpc-admin-key";
    private static final String USER_KEY = "grpc-user-key";

    @TempDir
    Path dir;

    private TestServer server;
    private GrpcChannel channel;

    private GRPCInferenceServiceBlockingStub start(Map<String, String> extra) throws IOException {
        Path sac = Files.createDirectories(dir.resolve("sac"));
        Checkpoints.publish(sac, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = new HashMap<>(extra);
        env.put("HOTSERVE_MODEL_DIR", sac.toString());
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

    private static GRPCInferenceServiceBlockingStub as(GRPCInferenceServiceBlockingStub stub, String key) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    private static void assertCode(ThrowingCallable call, Status.Code code, String inMessage) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(inMessage);
        });
    }

    private static ModelInferRequest infer(int rows, int width) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (int i = 0; i < rows * width; i++) {
            c.addFp32Contents(0.01f * i);
        }
        return ModelInferRequest.newBuilder().setModelName("sac").addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                .setName("state").setDatatype("FP32").addShape(rows).addShape(width).setContents(c)).build();
    }

    private static RepositoryModelLoadRequest load(String name, String config) {
        return RepositoryModelLoadRequest.newBuilder().setModelName(name)
                .putParameters("config", ModelRepositoryParameter.newBuilder().setStringParam(config).build()).build();
    }

    @Test
    void modelConfigGivesTritonsConfigOfTheServingVersion() throws IOException {
        var stub = start(Map.of());
        ModelConfig c = stub.modelConfig(ModelConfigRequest.newBuilder().setName("sac").build()).getConfig();
        assertThat(c.getName()).isEqualTo("sac");
        assertThat(c.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(c.getBackend()).isEqualTo("onnxruntime");
        assertThat(c.getMaxBatchSize()).isZero();
        assertThat(c.hasDynamicBatching()).isFalse();
        assertThat(c.getInput(0).getName()).isEqualTo("state");
        assertThat(c.getInput(0).getDataType()).isEqualTo(DataType.TYPE_FP32);
        assertThat(c.getInput(0).getDimsList()).containsExactly(-1L, 28L);
        assertThat(c.getOutputList()).extracting(o -> o.getName()).containsExactly("mean", "log_std", "action");
        assertThat(stub.modelConfig(ModelConfigRequest.newBuilder().setName("sac").setVersion("model_1").build()).getConfig()).isEqualTo(c);
        assertCode(() -> stub.modelConfig(ModelConfigRequest.newBuilder().setName("nope").build()), Status.Code.NOT_FOUND, "nope");
        assertCode(() -> stub.modelConfig(ModelConfigRequest.newBuilder().setName("sac").setVersion("model_9").build()),
                Status.Code.NOT_FOUND, "model_9");
    }

    @Test
    void modelStatisticsCountTheCallsOfEveryTransport() throws IOException {
        var stub = start(Map.of());
        for (int i = 0; i < 3; i++) {
            stub.modelInfer(infer(2, 28));
        }
        assertThat(server.post("/v2/models/sac/infer", Oip.infer("state", "FP32", new long[] {1, 28}, Oip.values(28), "")).statusCode())
                .isEqualTo(200);
        assertCode(() -> stub.modelInfer(infer(1, 27)), Status.Code.INVALID_ARGUMENT, "state");

        ModelStatistics s = stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("sac").build()).getModelStats(0);
        assertThat(s.getName()).isEqualTo("sac");
        assertThat(s.getVersion()).isEqualTo("model_1");
        assertThat(s.getInferenceCount()).isEqualTo(4);
        assertThat(s.getExecutionCount()).isEqualTo(4);
        assertThat(s.getInferenceStats().getSuccess().getCount()).isEqualTo(4);
        assertThat(s.getInferenceStats().getSuccess().getNs()).isPositive();
        assertThat(s.getInferenceStats().getFail().getCount()).isEqualTo(1);
        assertThat(s.getInferenceStats().getComputeInfer().getCount()).isEqualTo(4);
        assertThat(s.getLastInference()).isPositive();
        assertThat(s.getBatchStatsList()).hasSize(1);
        assertThat(s.getBatchStats(0).getBatchSize()).isEqualTo(1);

        // Every model (empty name), and one version by name.
        assertThat(stub.modelStatistics(ModelStatisticsRequest.getDefaultInstance()).getModelStatsList()).extracting(ModelStatistics::getName)
                .containsExactly("sac");
        assertThat(stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("sac").setVersion("model_1").build()).getModelStats(0)
                .getInferenceCount()).isEqualTo(4);
        assertCode(() -> stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("nope").build()), Status.Code.NOT_FOUND, "nope");
    }

    @Test
    void repositoryMethodsNeedTheAdminKeyAndLoadAndUnloadAModel() throws IOException {
        var stub = start(Map.of("HOTSERVE_ADMIN_KEY", ADMIN_KEY, "HOTSERVE_API_KEY", USER_KEY));
        assertCode(() -> stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED, "admin");
        assertCode(() -> as(stub, USER_KEY).repositoryIndex(RepositoryIndexRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED,
                "admin key");
        assertCode(() -> as(stub, USER_KEY).repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("sac").build()),
                Status.Code.PERMISSION_DENIED, "admin key");
        // The API key still reads statistics and configuration.
        assertThat(as(stub, USER_KEY).modelStatistics(ModelStatisticsRequest.getDefaultInstance()).getModelStatsCount()).isEqualTo(1);

        var admin = as(stub, ADMIN_KEY);
        RepositoryIndexResponse index = admin.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertThat(index.getModelsList()).hasSize(1);
        assertThat(index.getModels(0).getName()).isEqualTo("sac");
        assertThat(index.getModels(0).getVersion()).isEqualTo("model_1");
        assertThat(index.getModels(0).getState()).isEqualTo("READY");

        Path extra = Files.createDirectories(dir.resolve("extra"));
        Checkpoints.publish(extra, "actor_seed1.onnx", "model_7.onnx", 1);
        admin.repositoryModelLoad(load("extra", "{\"dir\": \"" + extra + "\"}"));
        assertThat(admin.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build()).getModelsList())
                .extracting(RepositoryIndexResponse.ModelIndex::getName).containsExactly("extra", "sac");
        assertThat(server.post("/extra/predict", TestServer.predictBody(28, 0.1), "Authorization", "Bearer " + USER_KEY).statusCode())
                .isEqualTo(200);

        admin.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("extra").build());
        assertThat(admin.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList())
                .extracting(RepositoryIndexResponse.ModelIndex::getName).containsExactly("sac");
        assertCode(() -> admin.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("extra").build()),
                Status.Code.NOT_FOUND, "extra");
    }

    @Test
    void aLoadIsRefusedForABadNameABadEntryFilesOrABodyOverTheLimit() throws IOException {
        var admin = as(start(Map.of("HOTSERVE_ADMIN_KEY", ADMIN_KEY, "HOTSERVE_MAX_LOAD_BODY_BYTES", "1024")), ADMIN_KEY);
        assertCode(() -> admin.repositoryModelLoad(load("../etc", "{}")), Status.Code.INVALID_ARGUMENT, "model name");
        assertCode(() -> admin.repositoryModelLoad(load("q", "{\"dir\": 7")), Status.Code.INVALID_ARGUMENT, "");
        assertCode(() -> admin.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("q").build()),
                Status.Code.INVALID_ARGUMENT, "is not served, so its config must be given");
        assertCode(() -> admin.repositoryModelLoad(load("q", "{\"dir\": \"" + dir + "\"}").toBuilder()
                .putParameters("file:1/model.onnx", ModelRepositoryParameter.newBuilder().setBytesParam(ByteString.copyFromUtf8("x")).build())
                .build()), Status.Code.INVALID_ARGUMENT, "file:1/model.onnx");
        assertCode(() -> admin.repositoryModelLoad(load("q", "{\"dir\": \"" + "x".repeat(2000) + "\"}")), Status.Code.RESOURCE_EXHAUSTED,
                "HOTSERVE_MAX_LOAD_BODY_BYTES");
        assertThat(admin.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList())
                .extracting(RepositoryIndexResponse.ModelIndex::getName).containsExactly("sac");
    }

    @Test
    void withoutAnyKeyALoadMayNotNameWhereToLoadFrom() throws IOException {
        var stub = start(Map.of());
        assertCode(() -> stub.repositoryModelLoad(load("q", "{\"dir\": \"" + dir + "\"}")), Status.Code.PERMISSION_DENIED,
                "HOTSERVE_ADMIN_KEY");
        // A model the server has is rebuilt from its own config, key or not.
        stub.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("sac").build());
        assertThat(stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModels(0).getState()).isEqualTo("READY");
    }
}
