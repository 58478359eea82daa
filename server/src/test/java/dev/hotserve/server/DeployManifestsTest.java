package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.ModelSource;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.config.Setting;
import dev.hotserve.source.s3.S3Store;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/}: no cluster is reachable here, so the manifests are parsed as YAML and checked
 * against the real server. The ConfigMap's config file is loaded by the real {@link ConfigLoader},
 * and a real server started from it (on a free port, its store a local S3Proxy) answers every
 * probe path the Deployment names.
 */
class DeployManifestsTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static Path deploy;
    private static Map<String, JsonNode> byKind;

    @TempDir
    Path work;

    @BeforeAll
    static void parse() throws IOException {
        deploy = Path.of(System.getProperty("hotserve.fixtures")).getParent().getParent().resolve("deploy");
        byKind = new HashMap<>();
        try (Stream<Path> files = Files.list(deploy.resolve("k8s"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(f.toFile())) {
                    while (docs.hasNext()) {
                        JsonNode doc = docs.next();
                        assertThat(doc.path("apiVersion").isTextual()).as(f + " has an apiVersion").isTrue();
                        assertThat(byKind.put(doc.path("kind").asText(), doc)).as("one " + doc.path("kind") + " in deploy/k8s").isNull();
                    }
                }
            }
        }
        assertThat(byKind).containsKeys("Deployment", "Service", "ConfigMap", "Secret");
    }

    private static JsonNode container() {
        JsonNode containers = byKind.get("Deployment").at("/spec/template/spec/containers");
        assertThat(containers.size()).isEqualTo(1);
        return containers.get(0);
    }

    /** A probe's or a Service's port, by name or number, as the container port it means. */
    private static int containerPort(JsonNode port) {
        for (JsonNode p : container().path("ports")) {
            if (port.isInt() ? p.path("containerPort").asInt() == port.asInt() : p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("port " + port + " is not a port of the container " + container().path("ports"));
    }

    private Path configFile() throws IOException {
        return Files.writeString(work.resolve("hotserve.yaml"), byKind.get("ConfigMap").at("/data/hotserve.yaml").asText());
    }

    /** The ConfigMap's file as the server reads it, with the environment the pod has (minus the Secret). */
    private ServerConfig podConfig(Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("HOTSERVE_CONFIG", configFile().toString());
        return ConfigLoader.load(Map.<Setting, String>of(), env, work);
    }

    @Test
    void aDeploymentOfThreeReplicasBehindAServiceThatSelectsThem() {
        JsonNode d = byKind.get("Deployment");
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(3);
        JsonNode labels = d.at("/spec/template/metadata/labels");
        d.at("/spec/selector/matchLabels").fields().forEachRemaining(e -> assertThat(labels.path(e.getKey())).isEqualTo(e.getValue()));
        byKind.get("Service").at("/spec/selector").fields().forEachRemaining(e -> assertThat(labels.path(e.getKey())).isEqualTo(e.getValue()));
        for (JsonNode p : byKind.get("Service").at("/spec/ports")) {
            containerPort(p.path("targetPort"));
        }
    }

    @Test
    void configComesFromTheConfigMapAndCredentialsFromTheSecret() throws Exception {
        JsonNode c = container();
        JsonNode spec = byKind.get("Deployment").at("/spec/template/spec");
        String configMap = byKind.get("ConfigMap").at("/metadata/name").asText();
        String secret = byKind.get("Secret").at("/metadata/name").asText();

        List<String> mountedConfigMaps = new ArrayList<>();
        for (JsonNode v : spec.path("volumes")) {
            if (v.path("configMap").path("name").asText().equals(configMap)) {
                for (JsonNode m : c.path("volumeMounts")) {
                    if (m.path("name").asText().equals(v.path("name").asText())) {
                        mountedConfigMaps.add(m.path("mountPath").asText());
                    }
                }
            }
        }
        assertThat(mountedConfigMaps).hasSize(1);
        JsonNode configEnv = null;
        for (JsonNode e : c.path("env")) {
            if (e.path("name").asText().equals(Setting.CONFIG.env())) {
                configEnv = e;
            }
        }
        assertThat(configEnv).as(Setting.CONFIG.env() + " is set").isNotNull();
        assertThat(configEnv.path("value").asText()).isEqualTo(mountedConfigMaps.get(0) + "/hotserve.yaml");

        assertThat(c.path("envFrom").findValuesAsText("name")).contains(secret);
        assertThat(byKind.get("Secret").path("stringData").has("AWS_ACCESS_KEY_ID")).isTrue();
        assertThat(byKind.get("Secret").path("stringData").has("AWS_SECRET_ACCESS_KEY")).isTrue();

        ServerConfig config = podConfig(Map.of());
        assertThat(config.models()).allSatisfy(m -> assertThat(m.source()).isInstanceOf(ModelSource.S3.class));
        assertThat(config.host()).as("reachable from outside the pod").isEqualTo("0.0.0.0");
        for (var m : config.models()) {
            Path cache = ((ModelSource.S3) m.source()).cacheDir();
            assertThat(c.path("volumeMounts").findValuesAsText("mountPath")).as("the cache of " + m.name() + " is a mounted volume")
                    .anySatisfy(mount -> assertThat(cache.startsWith(Path.of(mount))).isTrue());
        }
    }

    @Test
    void theGracePeriodCoversThePreStopPauseAndTheServersDrain() throws Exception {
        ServerConfig config = podConfig(Map.of());
        long grace = byKind.get("Deployment").at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
        long preStop = container().at("/lifecycle/preStop/sleep/seconds").asLong(0);
        // The drain is the shutdown grace; closing the models after it takes well under a second, but leave margin.
        assertThat(grace).isGreaterThanOrEqualTo(preStop + config.shutdownGrace().toSeconds() + 1);
    }

    @Test
    void theContainerPortIsTheOneTheServerListensOn() throws Exception {
        ServerConfig config = podConfig(Map.of());
        assertThat(container().path("ports")).extracting(p -> p.path("containerPort").asInt()).contains(config.port());
        assertThat(config.grpcPort()).as("the ConfigMap's gRPC port").isPresent();
        assertThat(container().path("ports")).extracting(p -> p.path("containerPort").asInt()).contains(config.grpcPort().getAsInt());
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            JsonNode p = container().path(probe);
            if (!p.isMissingNode()) {
                assertThat(containerPort(p.at("/httpGet/port"))).as(probe).isEqualTo(config.port());
            }
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
        assertThat(byKind.get("Deployment").at("/spec/template/spec/securityContext/runAsUser").asText()).isEqualTo(user);
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
                JsonNode c = container();
                String live = c.at("/livenessProbe/httpGet/path").asText();
                // /v2/health/* belong to the Open Inference Protocol front end (README, "The Open Inference Protocol"), a feature registered whole or not at
                // all (OpenApiTest); on a tree without it this check cannot run, and says so rather than pass.
                Assumptions.assumeTrue(server.server.routes().stream().anyMatch(r -> r.path().equals(live)),
                        "the server registers no " + live + " yet: it comes with the OIP front end (issue 8)");
                assertThat(server.get(live).statusCode()).isEqualTo(200);
                assertThat(server.get(c.at("/startupProbe/httpGet/path").asText()).statusCode()).isEqualTo(200);
                String ready = c.at("/readinessProbe/httpGet/path").asText();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(server.get(ready).statusCode()).isEqualTo(200));
            }
        }
    }
}
