package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.ModelSource;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.config.Setting;
import dev.hotserve.source.s3.S3Store;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/k8s/}: no cluster is reachable here, so the manifests are read strictly into
 * Kubernetes' own typed model ({@link Manifests}) and checked against the real server. The
 * ConfigMap's config file is loaded by the real {@link ConfigLoader}, and a real server started
 * from it (on a free port, its store a local S3Proxy) answers every probe path the Deployment names.
 */
class DeployManifestsTest {

    private static Path deploy;
    private static Deployment deployment;
    private static Service service;
    private static ConfigMap configMap;
    private static Secret secret;

    @TempDir
    Path work;

    @BeforeAll
    static void parse() throws IOException {
        deploy = Manifests.deployDir();
        List<Object> docs = Manifests.readAll(deploy.resolve("k8s"));
        deployment = only(docs, Deployment.class);
        service = only(docs, Service.class);
        configMap = only(docs, ConfigMap.class);
        secret = only(docs, Secret.class);
        assertThat(docs).hasSize(4);
    }

    private static <T> T only(List<Object> docs, Class<T> type) {
        List<T> of = Manifests.ofType(docs, type);
        assertThat(of).as("one " + type.getSimpleName() + " in deploy/k8s").hasSize(1);
        return of.get(0);
    }

    private static Container container() {
        List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    /** A probe's or a Service's port, by name or number, as the container port it means. */
    static int containerPort(Container c, IntOrString port) {
        for (ContainerPort p : c.getPorts()) {
            if (port.getIntVal() != null ? p.getContainerPort().equals(port.getIntVal()) : p.getName().equals(port.getStrVal())) {
                return p.getContainerPort();
            }
        }
        throw new AssertionError("port " + port + " is not a port of the container " + c.getPorts());
    }

    private Path configFile() throws IOException {
        return Files.writeString(work.resolve("hotserve.yaml"), configMap.getData().get("hotserve.yaml"));
    }

    /** The ConfigMap's file as the server reads it, with the environment the pod has (minus the Secret). */
    private ServerConfig podConfig(Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("HOTSERVE_CONFIG", configFile().toString());
        return ConfigLoader.load(Map.<Setting, String>of(), env, work);
    }

    @Test
    void aDeploymentOfThreeReplicasBehindAServiceThatSelectsThem() {
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
        Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(labels).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(labels).containsAllEntriesOf(service.getSpec().getSelector());
        for (ServicePort p : service.getSpec().getPorts()) {
            containerPort(container(), p.getTargetPort());
        }
    }

    @Test
    void configComesFromTheConfigMapAndCredentialsFromTheSecret() throws Exception {
        Container c = container();
        List<String> mountedConfigMaps = new ArrayList<>();
        for (Volume v : deployment.getSpec().getTemplate().getSpec().getVolumes()) {
            if (v.getConfigMap() != null && v.getConfigMap().getName().equals(configMap.getMetadata().getName())) {
                for (VolumeMount m : c.getVolumeMounts()) {
                    if (m.getName().equals(v.getName())) {
                        mountedConfigMaps.add(m.getMountPath());
                    }
                }
            }
        }
        assertThat(mountedConfigMaps).hasSize(1);
        assertThat(c.getEnv()).as(Setting.CONFIG.env() + " is set").filteredOn(e -> e.getName().equals(Setting.CONFIG.env()))
                .singleElement().extracting(EnvVar::getValue).isEqualTo(mountedConfigMaps.get(0) + "/hotserve.yaml");

        assertThat(c.getEnvFrom()).extracting(e -> e.getSecretRef().getName()).contains(secret.getMetadata().getName());
        assertThat(secret.getStringData()).containsKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");

        ServerConfig config = podConfig(Map.of());
        assertThat(config.models()).allSatisfy(m -> assertThat(m.source()).isInstanceOf(ModelSource.S3.class));
        assertThat(config.host()).as("reachable from outside the pod").isEqualTo("0.0.0.0");
        for (var m : config.models()) {
            Path cache = ((ModelSource.S3) m.source()).cacheDir();
            assertThat(c.getVolumeMounts()).extracting(VolumeMount::getMountPath).as("the cache of " + m.name() + " is a mounted volume")
                    .anySatisfy(mount -> assertThat(cache.startsWith(Path.of(mount))).isTrue());
        }
    }

    @Test
    void everyVariableThePodSetsIsASettingOrOneTheSdksRead() {
        KServeManifestsTest.assertRealVariables(container().getEnv(), "deploy/k8s Deployment");
        KServeManifestsTest.assertRealVariables(secret.getStringData().keySet().stream().map(k -> new EnvVar(k, "x", null)).toList(),
                "deploy/k8s Secret");
    }

    @Test
    void theContainersArgumentsAreWhatHotserveServeAccepts() {
        KServeManifestsTest.assertServeAccepts(container().getArgs());
    }

    @Test
    void theGracePeriodCoversThePreStopPauseAndTheServersDrain() throws Exception {
        ServerConfig config = podConfig(Map.of());
        long grace = deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        long preStop = container().getLifecycle().getPreStop().getSleep().getSeconds();
        // The drain is the shutdown grace; closing the models after it takes well under a second, but leave margin.
        assertThat(grace).isGreaterThanOrEqualTo(preStop + config.shutdownGrace().toSeconds() + 1);
    }

    @Test
    void theContainerPortIsTheOneTheServerListensOn() throws Exception {
        ServerConfig config = podConfig(Map.of());
        assertThat(container().getPorts()).extracting(ContainerPort::getContainerPort).contains(config.port());
        assertThat(config.grpcPort()).as("the ConfigMap's gRPC port").isPresent();
        assertThat(container().getPorts()).extracting(ContainerPort::getContainerPort).contains(config.grpcPort().getAsInt());
        List<Probe> probes = Stream.of(container().getReadinessProbe(), container().getLivenessProbe(), container().getStartupProbe())
                .filter(p -> p != null).toList();
        assertThat(probes).hasSize(3);
        for (Probe p : probes) {
            assertThat(containerPort(container(), p.getHttpGet().getPort())).isEqualTo(config.port());
        }
    }

    @Test
    void theDockerfileBuildsInStagesAndRunsAsAnUnprivilegedUserOnTheSamePort() throws Exception {
        List<String> lines = Files.readAllLines(deploy.resolve("Dockerfile")).stream().map(String::strip)
                .filter(l -> !l.startsWith("#")).toList();
        assertThat(lines.stream().filter(l -> l.startsWith("FROM ")).count()).isGreaterThanOrEqualTo(2);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("./mvnw"));
        List<String> users = lines.stream().filter(l -> l.startsWith("USER ")).toList();
        assertThat(users).isNotEmpty();
        String user = users.get(users.size() - 1).substring("USER ".length()).split(":")[0];
        assertThat(user).isNotIn("0", "root");
        assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser()).hasToString(user);
        assertThat(lines).contains("EXPOSE " + podConfig(Map.of()).port(), "EXPOSE " + podConfig(Map.of()).grpcPort().getAsInt());
    }

    @Test
    void everyProbePathIsServedByARealServerStartedFromTheConfigMap() throws Exception {
        try (S3Store store = S3Store.start()) {
            ServerConfig config = podConfig(Map.of(
                    "HOTSERVE_PORT", "0",
                    "HOTSERVE_GRPC_PORT", "0",
                    "HOTSERVE_HOST", "127.0.0.1",
                    "HOTSERVE_S3_ENDPOINT", store.endpoint().toString(),
                    "HOTSERVE_CACHE_DIR", work.resolve("cache").toString(),
                    "HOTSERVE_POLL_INTERVAL", "100ms"));
            ModelSource.S3 source = (ModelSource.S3) config.models().get(0).source();
            assertThat(source.location().bucket()).isEqualTo(S3Store.BUCKET);
            store.put(source.location().key("model_a.onnx"), Checkpoints.read(Checkpoints.fixture("actor_seed0.onnx")));
            store.pointTo(source.location().prefix(), "model_a.onnx", Optional.empty());

            try (TestServer server = TestServer.of(HotserveServer.start(config))) {
                Container c = container();
                // Kubernetes counts 200-399 as success; the live and startup probes pass at once,
                // readiness once the model serves.
                assertThat(server.get(c.getLivenessProbe().getHttpGet().getPath()).statusCode()).isEqualTo(200);
                assertThat(server.get(c.getStartupProbe().getHttpGet().getPath()).statusCode()).isEqualTo(200);
                String ready = c.getReadinessProbe().getHttpGet().getPath();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(server.get(ready).statusCode()).isEqualTo(200));
            }
        }
    }
}
