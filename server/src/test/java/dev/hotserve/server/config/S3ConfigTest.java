package dev.hotserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.source.s3.S3Location;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The object-store settings of README, "Run a fleet": {@code source}, {@code s3_endpoint}, {@code cache_dir}, {@code cache_keep}. */
class S3ConfigTest {

    @TempDir
    Path work;

    private ServerConfig load(Map<Setting, String> flags, Map<String, String> env) throws ConfigException {
        return ConfigLoader.load(flags, env, work);
    }

    @Test
    void theSingleModelFollowsHotserveSourceWithTheS3Defaults() throws Exception {
        ModelConfig m = load(Map.of(), Map.of("HOTSERVE_SOURCE", "s3://models/sac/prod/")).models().get(0);
        assertThat(m.source()).isEqualTo(new ModelSource.S3(new S3Location("models", "sac/prod/"), Optional.empty(),
                Path.of(System.getProperty("user.home"), ".cache", "hotserve", "sac"), Optional.empty(), 3));
        assertThat(m.pollInterval()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void endpointCacheDirKeepAndGlobComeFromTheEnvironment() throws Exception {
        ModelConfig m = load(Map.of(), Map.of("HOTSERVE_SOURCE", "s3://models/sac", "HOTSERVE_S3_ENDPOINT", "http://127.0.0.1:9000",
                "HOTSERVE_CACHE_DIR", "cache", "HOTSERVE_CACHE_KEEP", "5", "HOTSERVE_MODEL_GLOB", "actor_*.onnx",
                "HOTSERVE_MODEL_NAME", "policy", "HOTSERVE_POLL_INTERVAL", "500ms")).models().get(0);
        assertThat(m.source()).isEqualTo(new ModelSource.S3(new S3Location("models", "sac/"), Optional.of(URI.create("http://127.0.0.1:9000")),
                work.resolve("cache").resolve("policy"), Optional.of("actor_*.onnx"), 5));
        assertThat(m.pollInterval()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void anExplicitFileStillWinsButSourceBeatsADirectory() throws Exception {
        assertThat(load(Map.of(), Map.of("HOTSERVE_SOURCE", "s3://m/p/", "HOTSERVE_MODEL", "x.onnx")).models().get(0).source())
                .isInstanceOf(ModelSource.File.class);
        assertThat(load(Map.of(), Map.of("HOTSERVE_SOURCE", "s3://m/p/", "HOTSERVE_MODEL_DIR", "d")).models().get(0).source())
                .isInstanceOf(ModelSource.S3.class);
        assertThat(load(Map.of(Setting.SOURCE, "s3://m/flag/"), Map.of("HOTSERVE_SOURCE", "s3://m/env/")).models().get(0).source())
                .satisfies(s -> assertThat(((ModelSource.S3) s).location().prefix()).isEqualTo("flag/"));
    }

    @Test
    void configFileModelsMayEachFollowAPrefix() throws Exception {
        Path f = Files.writeString(work.resolve("hotserve.yaml"), """
                s3_endpoint: http://minio:9000
                cache_dir: staged
                models:
                  - name: walker
                    source: s3://models/walker/
                  - name: hopper
                    source: s3://models/hopper/
                    s3_endpoint: https://s3.eu-west-1.amazonaws.com
                    poll_interval: 10s
                    cache_keep: 2
                  - name: local
                    dir: ./local
                """);
        ServerConfig c = load(Map.of(), Map.of("HOTSERVE_CONFIG", f.toString()));
        assertThat(c.models().get(0).source()).isEqualTo(new ModelSource.S3(new S3Location("models", "walker/"),
                Optional.of(URI.create("http://minio:9000")), work.resolve("staged/walker"), Optional.empty(), 3));
        assertThat(c.models().get(0).pollInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.models().get(1).source()).isEqualTo(new ModelSource.S3(new S3Location("models", "hopper/"),
                Optional.of(URI.create("https://s3.eu-west-1.amazonaws.com")), work.resolve("staged/hopper"), Optional.empty(), 2));
        assertThat(c.models().get(1).pollInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.models().get(2).source()).isInstanceOf(ModelSource.Directory.class);
        assertThat(c.models().get(2).pollInterval()).as("local sources keep their default").isZero();
    }

    @Test
    void aModelWithTwoSourcesIsRefused() throws Exception {
        Path f = Files.writeString(work.resolve("hotserve.yaml"), "models:\n  - name: a\n    dir: d\n    source: s3://m/a/\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_CONFIG", f.toString()))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("models[0]").hasMessageContaining("sets both source and dir");
    }

    @Test
    void aSourceThatIsNotS3IsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_SOURCE", "gs://models/sac/"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("HOTSERVE_SOURCE").hasMessageContaining("gs://models/sac/");
    }

    @Test
    void aBadEndpointIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_SOURCE", "s3://m/p/", "HOTSERVE_S3_ENDPOINT", "minio:9000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HOTSERVE_S3_ENDPOINT").hasMessageContaining("'minio:9000'");
    }

    @Test
    void pollingOffIsRefusedForAnObjectStore() {
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_SOURCE", "s3://m/p/", "HOTSERVE_POLL_INTERVAL", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HOTSERVE_POLL_INTERVAL").hasMessageContaining("only ever polled");
    }

    @Test
    void aBadKeepCountIsRefused() {
        assertThatThrownBy(() -> load(Map.of(), Map.of("HOTSERVE_SOURCE", "s3://m/p/", "HOTSERVE_CACHE_KEEP", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HOTSERVE_CACHE_KEEP").hasMessageContaining("'0'");
    }
}
