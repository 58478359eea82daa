package dev.hotserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.core.ReloadMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration: precedence flags > env > file > defaults, model resolution order, and messages naming the bad value. */
class ConfigLoaderTest {

    @TempDir
    Path work;

    private ServerConfig load(Map<Setting, String> flags, Map<String, String> env) throws ConfigException {
        return ConfigLoader.load(flags, env, work);
    }

    private Path file(String yaml) throws Exception {
        return Files.writeString(work.resolve("hotserve.yaml"), yaml);
    }

    @Test
    void defaultsServeTheDemoModelOnLocalhost8080() throws Exception {
        ServerConfig c = load(Map.of(), Map.of());
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.models()).singleElement().satisfies(m -> {
            assertThat(m.name()).isEqualTo("sac");
            assertThat(m.source()).isInstanceOf(ModelSource.Demo.class);
            assertThat(m.mode()).isEqualTo(ReloadMode.BLOCKING);
            assertThat(m.pollInterval()).isZero();
            assertThat(m.jit()).isTrue();
        });
        assertThat(c.limits()).isEqualTo(Limits.defaults());
        assertThat(c.auth()).isEqualTo(AuthConfig.none());
    }

    @Test
    void anExistingModelsSacDirectoryIsPreferredToTheDemo() throws Exception {
        Files.createDirectories(work.resolve("models/sac"));
        assertThat(load(Map.of(), Map.of()).models().get(0).source())
                .isEqualTo(new ModelSource.Directory(work.resolve("models/sac"), Optional.empty()));
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFile() throws Exception {
        Path f = file("port: 7000\nhost: 0.0.0.0\nreload_mode: background\n");
        assertThat(load(Map.of(), Map.of("HOTSERVE_CONFIG", f.toString())).port()).isEqualTo(7000);
        assertThat(load(Map.of(), Map.of("HOTSERVE_CONFIG", f.toString(), "HOTSERVE_PORT", "7001")).port()).isEqualTo(7001);
        ServerConfig c = load(Map.of(Setting.PORT, "7002", Setting.CONFIG, f.toString()), Map.of("HOTSERVE_PORT", "7001"));
        assertThat(c.port()).isEqualTo(7002);
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.models().get(0).mode()).isEqualTo(ReloadMode.BACKGROUND);
    }

    @Test
    void explicitFileBeatsDirectoryWhichBeatsTheFilesModels() throws Exception {
        Path f = file("models:\n  - name: other\n    dir: elsewhere\n");
        Map<String, String> env = Map.of("HOTSERVE_CONFIG", f.toString(), "HOTSERVE_MODEL_DIR", "/m/dir", "HOTSERVE_MODEL", "/m/x.onnx");
        assertThat(load(Map.of(), env).models()).singleElement()
                .satisfies(m -> assertThat(m.source()).isEqualTo(new ModelSource.File(Path.of("/m/x.onnx"))));
        Map<String, String> noFile = Map.of("HOTSERVE_CONFIG", f.toString(), "HOTSERVE_MODEL_DIR", "/m/dir", "HOTSERVE_MODEL_GLOB", "ckpt_*.pt");
        assertThat(load(Map.of(), noFile).models()).singleElement()
                .satisfies(m -> assertThat(m.source()).isEqualTo(new ModelSource.Directory(Path.of("/m/dir"), Optional.of("ckpt_*.pt"))));
        assertThat(load(Map.of(), Map.of("HOTSERVE_CONFIG", f.toString())).models()).singleElement().satisfies(m -> {
            assertThat(m.name()).isEqualTo("other");
            assertThat(m.source()).isEqualTo(new ModelSource.Directory(work.resolve("elsewhere"), Optional.empty()));
        });
    }

    @Test
    void aConfigFileDescribesSeveralModelsEachWithItsOwnSettings() throws Exception {
        Path f = file("""
                api_key: k1
                poll_interval: 2s
                max_batch_rows: 100
                models:
                  - name: sac
                    dir: /models/sac
                    glob: "model_*.onnx"
                    reload_mode: background
                    jit: 1
                    state_dim: 28
                    settle_window: 200ms
                  - name: hedger
                    path: hedger/current.pt
                  - name: third
                """);
        ServerConfig c = load(Map.of(), Map.of("HOTSERVE_CONFIG", f.toString()));
        assertThat(c.auth().apiKey()).contains("k1");
        assertThat(c.limits().maxBatchRows()).isEqualTo(100);
        assertThat(c.models()).hasSize(3);
        ModelConfig sac = c.models().get(0);
        assertThat(sac.source()).isEqualTo(new ModelSource.Directory(Path.of("/models/sac"), Optional.of("model_*.onnx")));
        assertThat(sac.mode()).isEqualTo(ReloadMode.BACKGROUND);
        assertThat(sac.jit()).isTrue();
        assertThat(sac.pollInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(sac.stateDim()).hasValue(28);
        assertThat(sac.settleWindow()).contains(Duration.ofMillis(200));
        ModelConfig hedger = c.models().get(1);
        assertThat(hedger.source()).isEqualTo(new ModelSource.File(work.resolve("hedger/current.pt")));
        assertThat(hedger.mode()).isEqualTo(ReloadMode.BLOCKING);
        assertThat(hedger.stateDim()).isEmpty();
        assertThat(hedger.settleWindow()).isEmpty();
        assertThat(c.models().get(2).source()).isEqualTo(new ModelSource.Directory(work.resolve("models/third"), Optional.empty()));
        // The environment overrides every model's own value.
        ServerConfig overridden = load(Map.of(), Map.of("HOTSERVE_CONFIG", f.toString(), "HOTSERVE_RELOAD_MODE", "blocking"));
        assertThat(overridden.models()).allSatisfy(m -> assertThat(m.mode()).isEqualTo(ReloadMode.BLOCKING));
    }

    @Test
    void everyRequestLimitHasASettingAndABadOneNamesIt() throws Exception {
        Limits l = load(Map.of(), Map.of("HOTSERVE_MAX_HEADERS", "50", "HOTSERVE_IDLE_TIMEOUT", "2m", "HOTSERVE_MAX_LOAD_BODY_BYTES", "4KiB",
                "HOTSERVE_MAX_TENSOR_ELEMENTS", "1000", "HOTSERVE_MAX_INPUTS", "3", "HOTSERVE_MAX_BODY_CHUNKS", "9")).limits();
        assertThat(l.maxHeaders()).isEqualTo(50);
        assertThat(l.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(l.maxLoadBodyBytes()).isEqualTo(4096);
        assertThat(l.maxTensorElements()).isEqualTo(1000);
        assertThat(l.maxInputs()).isEqualTo(3);
        assertThat(l.maxBodyChunks()).isEqualTo(9);
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_IDLE_TIMEOUT", "10ms")))
                .isInstanceOf(ConfigException.class).hasMessage("HOTSERVE_IDLE_TIMEOUT must be at least 1s, was 10ms");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_MAX_HEADERS", "2")))
                .hasMessage("HOTSERVE_MAX_HEADERS must be an integer 8-100000, was '2'");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_MAX_URL_BYTES", "huge"))).hasMessageContaining("HOTSERVE_MAX_URL_BYTES");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_MAX_LOAD_BODY_BYTES", "1GiB")))
                .hasMessageStartingWith("HOTSERVE_MAX_LOAD_BODY_BYTES must be at most 64MiB");
    }

    @Test
    void badValuesAreRefusedWithAMessageNamingTheSettingAndTheValue() throws Exception {
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_PORT", "abc")))
                .isInstanceOf(ConfigException.class).hasMessage("HOTSERVE_PORT must be an integer 0-65535, was 'abc'");
        assertThatThrownBy(() -> load(Map.of(Setting.PORT, "70000"), Map.of()))
                .hasMessage("--port must be an integer 0-65535, was '70000'");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_POLL_INTERVAL", "soon")))
                .hasMessageContaining("HOTSERVE_POLL_INTERVAL must be a duration").hasMessageContaining("'soon'");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_RELOAD_MODE", "lazy")))
                .hasMessage("HOTSERVE_RELOAD_MODE must be 'blocking' or 'background', was 'lazy'");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_JIT", "maybe")))
                .hasMessage("HOTSERVE_JIT must be 1 or 0 (true/false), was 'maybe'");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_MAX_BODY_BYTES", "lots")))
                .hasMessageContaining("HOTSERVE_MAX_BODY_BYTES").hasMessageContaining("'lots'");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_MODEL_DIR", "/m", "HOTSERVE_MODEL_GLOB", "model_[")))
                .hasMessageContaining("not a valid glob").hasMessageContaining("'model_['");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_STATE_DIM", "0")))
                .hasMessage("HOTSERVE_STATE_DIM must be an integer 1-1000000, was '0'");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_MODEL_NAME", "a/b")))
                .hasMessageContaining("model name").hasMessageContaining("'a/b'");
    }

    @Test
    void badConfigFilesAreRefusedWithTheFileAndKeyNamed() throws Exception {
        Path typo = file("prot: 8080\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_CONFIG", typo.toString())))
                .hasMessageContaining(typo.toString()).hasMessageContaining("unknown key 'prot'");
        Path badMode = file("models:\n  - name: sac\n    reload_mode: sometimes\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_CONFIG", badMode.toString())))
                .hasMessageContaining("reload_mode").hasMessageContaining("'sometimes'");
        Path both = file("models:\n  - name: sac\n    path: a.onnx\n    dir: b\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_CONFIG", both.toString())))
                .hasMessageContaining("models[0] sets both path and dir");
        Path twice = file("models:\n  - name: sac\n  - name: sac\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_CONFIG", twice.toString())))
                .hasMessageContaining("'sac' is configured twice");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_CONFIG", work.resolve("missing.yaml").toString())))
                .hasMessageContaining("HOTSERVE_CONFIG").hasMessageContaining("missing.yaml");
    }

    @Test
    void keysAreNeverShownInMessagesOrToString() throws Exception {
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_API_KEY", " secret-with-space")))
                .hasMessageContaining("HOTSERVE_API_KEY").hasMessageNotContaining("secret");
        ServerConfig c = load(Map.of(), Map.of("HOTSERVE_API_KEY", "s3cr3t", "HOTSERVE_ADMIN_KEY", "adm1n"));
        assertThat(c.toString()).doesNotContain("s3cr3t").doesNotContain("adm1n");
    }

    @Test
    void durationsAcceptUnitsAndZero() throws Exception {
        assertThat(load(Map.of(), Map.of("HOTSERVE_POLL_INTERVAL", "500ms")).models().get(0).pollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(load(Map.of(), Map.of("HOTSERVE_POLL_INTERVAL", "0")).models().get(0).pollInterval()).isZero();
        assertThat(load(Map.of(), Map.of("HOTSERVE_POLL_INTERVAL", "PT1M")).models().get(0).pollInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(load(Map.of(), Map.of("HOTSERVE_MAX_BODY_BYTES", "8MiB")).limits().maxBodyBytes()).isEqualTo(8L << 20);
    }

    @Test
    void theGrpcPortDefaultsTo8081AndMayBeAnyFreeOrOff() throws Exception {
        assertThat(load(Map.of(), Map.of()).grpcPort()).hasValue(8081);
        assertThat(load(Map.of(), Map.of("HOTSERVE_GRPC_PORT", "0")).grpcPort()).hasValue(0);
        assertThat(load(Map.of(), Map.of("HOTSERVE_GRPC_PORT", "off")).grpcPort()).isEmpty();
        assertThat(load(Map.of(), Map.of("HOTSERVE_CONFIG", file("grpc_port: 9001\n").toString())).grpcPort()).hasValue(9001);
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_GRPC_PORT", "grpc")))
                .isInstanceOf(ConfigException.class).hasMessage("HOTSERVE_GRPC_PORT must be a port 0-65535 or 'off', was 'grpc'");
    }

    @Test
    void aModelEntryGivenAtRunTimeIsCheckedLikeOneOfTheFile() throws Exception {
        ModelConfig m = ConfigLoader.modelEntry("q", "{\"dir\": \"models/q\", \"reload_mode\": \"background\"}", work);
        assertThat(m.name()).isEqualTo("q");
        assertThat(m.source()).isEqualTo(new ModelSource.Directory(work.resolve("models/q"), Optional.empty()));
        assertThat(m.mode()).isEqualTo(ReloadMode.BACKGROUND);
        assertThatThrownBy(() -> ConfigLoader.modelEntry("q", "{\"name\": \"other\"}", work))
                .isInstanceOf(ConfigException.class).hasMessageContaining("name is 'other'");
        assertThatThrownBy(() -> ConfigLoader.modelEntry("q", "{\"threads\": 0}", work))
                .isInstanceOf(ConfigException.class).hasMessageContaining("threads").hasMessageContaining("'0'");
    }
}
