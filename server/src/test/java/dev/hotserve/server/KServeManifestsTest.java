package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotserve.server.Manifests.ClusterServingRuntime;
import dev.hotserve.server.Manifests.InferenceService;
import dev.hotserve.server.Manifests.SupportedModelFormat;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.ModelConfig;
import dev.hotserve.server.config.ModelSource;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.config.Setting;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc;
import dev.hotserve.server.grpc.oip.ModelReadyRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code deploy/kserve/}: no cluster runs here, so the runtime and the InferenceServices are read
 * strictly into typed records of KServe's published fields ({@link Manifests}) and checked against
 * the server itself: the container's arguments parse as {@code hotserve serve}, its variables are
 * settings, its ports are the ones the server binds, and a server started as KServe would start
 * the container (the model copied into {@code /mnt/models}, {@code {{.Name}}} replaced by the
 * InferenceService's name) answers the probe and serves the model under that name, over REST and gRPC.
 */
class KServeManifestsTest {

    /** Where KServe's storage initializer puts an InferenceService's storageUri. */
    private static final String MODEL_MOUNT = "/mnt/models";
    /** The variables outside the settings table that a pod may set: the AWS SDK's own. */
    private static final Set<String> SDK_VARIABLES = Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION");

    private static ClusterServingRuntime runtime;
    private static List<InferenceService> services;

    @TempDir
    Path work;

    @BeforeAll
    static void parse() throws IOException {
        List<Object> docs = Manifests.readAll(Manifests.deployDir().resolve("kserve"));
        List<ClusterServingRuntime> runtimes = Manifests.ofType(docs, ClusterServingRuntime.class);
        assertThat(runtimes).hasSize(1);
        runtime = runtimes.get(0);
        services = Manifests.ofType(docs, InferenceService.class);
        assertThat(services).hasSizeGreaterThanOrEqualTo(2);
        assertThat(docs).hasSize(1 + services.size());
    }

    private static Container container() {
        assertThat(runtime.spec().containers()).hasSize(1);
        return runtime.spec().containers().get(0);
    }

    /** Each HOTSERVE_ variable names a setting; any other is one the AWS SDK reads. */
    static void assertRealVariables(List<EnvVar> env, String where) {
        Set<String> settings = Arrays.stream(Setting.values()).map(Setting::env).collect(Collectors.toSet());
        for (EnvVar e : env) {
            if (e.getName().startsWith("HOTSERVE_")) {
                assertThat(settings).as(where + ": " + e.getName() + " is a setting (server/README.md)").contains(e.getName());
            } else {
                assertThat(SDK_VARIABLES).as(where + ": " + e.getName() + " is read by nothing in hotserve").contains(e.getName());
            }
        }
    }

    /** The image's entry point is {@code hotserve}, so a container's args are a hotserve command line. */
    static void assertServeAccepts(List<String> args) {
        assertThat(args).as("the container's args").isNotEmpty();
        CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
        assertThat(parsed.subcommand()).as("args " + args + " run a subcommand").isNotNull();
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("serve");
        assertThat(parsed.subcommand().unmatched()).isEmpty();
    }

    /** The environment the container gets for {@code service}, with {@code /mnt/models} at {@code models}. */
    private static Map<String, String> podEnvironment(InferenceService service, Path models) {
        Map<String, String> env = new HashMap<>();
        for (EnvVar e : container().getEnv()) {
            env.put(e.getName(), e.getValue().replace("{{.Name}}", service.metadata().getName()).replace(MODEL_MOUNT, models.toString()));
        }
        // An InferenceService's own variables win over the runtime's, as KServe merges them.
        if (service.spec().predictor().model().env() != null) {
            service.spec().predictor().model().env().forEach(e -> env.put(e.getName(), e.getValue()));
        }
        return env;
    }

    @Test
    void theRuntimeServesOnnxAndTorchScriptOverBothProtocolsOfTheOpenInferenceProtocol() {
        assertThat(runtime.apiVersion()).isEqualTo("serving.kserve.io/v1alpha1");
        assertThat(runtime.spec().supportedModelFormats()).extracting(SupportedModelFormat::name).containsExactlyInAnyOrder("onnx", "pytorch");
        assertThat(runtime.spec().protocolVersions()).containsExactlyInAnyOrder("v2", "grpc-v2");
        assertThat(runtime.spec().multiModel()).isFalse();
        assertThat(container().getName()).as("KServe finds the model server's container by this name").isEqualTo("kserve-container");
    }

    @Test
    void theContainersArgumentsAndVariablesAreWhatHotserveServeAccepts() {
        assertServeAccepts(container().getArgs());
        assertRealVariables(container().getEnv(), "ClusterServingRuntime");
        for (InferenceService s : services) {
            if (s.spec().predictor().model().env() != null) {
                assertRealVariables(s.spec().predictor().model().env(), "InferenceService " + s.metadata().getName());
            }
            assertThat(s.spec().predictor().model().args()).as("extra args would follow serve's").isNull();
        }
        assertThat(container().getEnv()).filteredOn(e -> e.getName().equals(Setting.MODEL_DIR.env()))
                .singleElement().extracting(EnvVar::getValue).isEqualTo(MODEL_MOUNT);
    }

    @Test
    void eachInferenceServiceNamesThisRuntimeAFormatItServesAndAProtocolItSpeaks() {
        for (InferenceService s : services) {
            var model = s.spec().predictor().model();
            assertThat(s.apiVersion()).isEqualTo("serving.kserve.io/v1beta1");
            assertThat(model.runtime()).isEqualTo(runtime.metadata().getName());
            assertThat(runtime.spec().supportedModelFormats()).extracting(SupportedModelFormat::name).contains(model.modelFormat().name());
            assertThat(runtime.spec().protocolVersions()).contains(model.protocolVersion());
            assertThat(model.storageUri()).as("KServe's storage initializer fetches it").matches("(s3|gs|https?|pvc)://.+");
        }
        assertThat(services).extracting(s -> s.spec().predictor().model().protocolVersion()).contains("v2", "grpc-v2");
    }

    @Test
    void thePortsKServeRoutesToAreThePortsTheServerBinds() throws Exception {
        for (InferenceService s : services) {
            ServerConfig config = ConfigLoader.load(Map.of(), podEnvironment(s, installModel()), work);
            assertThat(config.host()).as("reachable from outside the pod").isEqualTo("0.0.0.0");
            assertThat(container().getPorts()).extracting(ContainerPort::getContainerPort).as("REST").containsExactly(config.port());
            assertThat(container().getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(config.port());
            List<ContainerPort> ports = s.spec().predictor().model().ports();
            if ("grpc-v2".equals(s.spec().predictor().model().protocolVersion())) {
                // KServe sends gRPC to the port named h2c.
                assertThat(ports).singleElement().satisfies(p -> {
                    assertThat(p.getName()).isEqualTo("h2c");
                    assertThat(config.grpcPort()).hasValue(p.getContainerPort());
                });
            } else {
                assertThat(ports).isNull();
            }
            ModelConfig m = config.models().get(0);
            assertThat(m.name()).isEqualTo(s.metadata().getName());
            assertThat(m.source()).isInstanceOf(ModelSource.Directory.class);
        }
    }

    @Test
    void anInferenceServiceThatNamesABucketFollowsItRatherThanTheCopyMadeAtStart() throws Exception {
        Map<String, String> env = podEnvironment(services.get(0), installModel());
        env.put(Setting.SOURCE.env(), "s3://models/sac/");
        env.put(Setting.CACHE_DIR.env(), work.resolve("cache").toString());
        ModelConfig m = ConfigLoader.load(Map.of(), env, work).models().get(0);
        assertThat(m.source()).isInstanceOf(ModelSource.S3.class);
        assertThat(m.name()).isEqualTo(services.get(0).metadata().getName());
    }

    @Test
    void aServerStartedAsKServeStartsTheContainerAnswersTheProbeAndServesTheModelUnderTheServicesName() throws Exception {
        InferenceService grpcService = services.stream()
                .filter(s -> "grpc-v2".equals(s.spec().predictor().model().protocolVersion())).findFirst().orElseThrow();
        String name = grpcService.metadata().getName();
        Map<String, String> env = podEnvironment(grpcService, installModel());
        env.put(Setting.PORT.env(), "0");
        env.put(Setting.GRPC_PORT.env(), "0");
        env.put(Setting.HOST.env(), "127.0.0.1");
        try (TestServer server = TestServer.of(HotserveServer.start(ConfigLoader.load(Map.of(), env, work)))) {
            String ready = container().getReadinessProbe().getHttpGet().getPath();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(server.get(ready).statusCode()).isEqualTo(200));
            assertThat(server.get("/v2/models/" + name + "/ready").statusCode()).isEqualTo(200);

            String body = "{\"inputs\":[{\"name\":\"state\",\"datatype\":\"FP32\",\"shape\":[1,28],\"data\":["
                    + String.join(",", Collections.nCopies(28, "0.5")) + "]}]}";
            var answer = server.post("/v2/models/" + name + "/infer", body);
            assertThat(answer.statusCode()).isEqualTo(200);
            JsonNode json = TestServer.JSON.readTree(answer.body());
            assertThat(json.path("model_name").asText()).isEqualTo(name);
            assertThat(json.path("outputs")).isNotEmpty();

            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.server.grpcPort().orElseThrow()).usePlaintext().build();
            try {
                var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName(name).build()).getReady()).isTrue();
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aFieldKServeDoesNotHaveFailsTheRead() throws IOException {
        String manifest = Files.readString(Manifests.deployDir().resolve("kserve/cluster-serving-runtime.yaml"))
                .replace("protocolVersions:", "protocolVersion:");
        Path misspelt = Files.writeString(work.resolve("runtime.yaml"), manifest);
        assertThatThrownBy(() -> Manifests.read(misspelt)).hasMessageContaining("protocolVersion");

        String deployment = Files.readString(Manifests.deployDir().resolve("k8s/deployment.yaml"))
                .replace("readinessProbe:", "readynessProbe:");
        Path misspeltDeployment = Files.writeString(work.resolve("deployment.yaml"), deployment);
        assertThatThrownBy(() -> Manifests.read(misspeltDeployment)).hasMessageContaining("readynessProbe");
    }

    /** {@code /mnt/models} as the storage initializer leaves it: the storageUri's files under their own names. */
    private Path installModel() throws IOException {
        Path models = Files.createDirectories(work.resolve("mnt-models"));
        Path target = models.resolve("sac_actor.onnx");
        if (!Files.exists(target)) {
            Files.copy(Checkpoints.fixture("actor_seed0.onnx"), target);
        }
        return models;
    }
}
