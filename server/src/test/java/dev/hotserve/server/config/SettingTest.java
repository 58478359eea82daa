package dev.hotserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotserve.core.RolloutPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings table itself: its spellings, its defaults, and the origin a refusal names for each source. */
class SettingTest {

    @TempDir
    Path work;

    @Test
    void everySettingIsSpelledOnceAndConsistently() {
        Set<String> flags = new HashSet<>();
        Set<String> topLevelKeys = new HashSet<>();
        Set<String> rolloutKeys = new HashSet<>();
        for (Setting s : Setting.values()) {
            assertThat(s.env()).isEqualTo("HOTSERVE_" + s.name());
            assertThat(s.help()).as(s.env()).isNotBlank();
            if (s.flag() != null) {
                assertThat(s.flag()).startsWith("--");
                assertThat(flags.add(s.flag())).as(s.flag() + " once").isTrue();
                assertThat(s.description()).endsWith("(" + s.env() + ")");
            }
            switch (s.scope()) {
                case LAUNCH -> assertThat(s.fileKey()).as(s.env()).isNull();
                case ROLLOUT -> assertThat(rolloutKeys.add(s.fileKey())).as(s.fileKey() + " once").isTrue();
                case SERVER, MODEL, S3_SOURCE -> assertThat(topLevelKeys.add(s.fileKey())).as(s.fileKey() + " once").isTrue();
            }
            if (s.scope() == Setting.Scope.ROLLOUT || s == Setting.STATE_DIR) {
                assertThat(s.flag()).as(s.env() + " has never had a flag").isNull();
            }
        }
        assertThat(topLevelKeys).doesNotContain("models").doesNotContainAnyElementsOf(ConfigFile.ENTRY_KEYS);
    }

    @Test
    void everyDefaultParsesWithItsOwnParser() throws ConfigException {
        for (Setting s : Setting.values()) {
            assertThat(s.read(Optional.empty()).isPresent()).as(s.env()).isEqualTo(s.defaultText().isPresent());
        }
        Limits d = Limits.defaults();
        assertThat(d.maxBodyBytes()).isEqualTo(8L << 20);
        assertThat(d.maxLoadBodyBytes()).isEqualTo(64 << 10);
        assertThat(d.idleTimeout()).hasSeconds(60);
    }

    @Test
    void theRolloutDefaultsAreTheCoresForEveryMode() throws ConfigException {
        for (RolloutPolicy.Mode mode : RolloutPolicy.Mode.values()) {
            RolloutPolicy read = ConfigLoader.load(Map.of(), Map.of("HOTSERVE_ROLLOUT", mode.name(), "HOTSERVE_STATE_DIR", work.toString()),
                    work).models().get(0).rollout();
            RolloutPolicy core = RolloutPolicy.defaults(mode);
            assertThat(read.mode()).isEqualTo(mode);
            assertThat(read.shadowSamples()).isEqualTo(core.shadowSamples());
            assertThat(read.maxDrift()).isEqualTo(core.maxDrift());
            assertThat(read.shadowFraction()).isEqualTo(core.shadowFraction());
            assertThat(read.canaryFraction()).isEqualTo(core.canaryFraction());
            assertThat(read.canaryDuration()).isEqualTo(core.canaryDuration());
            assertThat(read.guardDuration()).isEqualTo(core.guardDuration());
        }
    }

    @Test
    void aRefusalNamesTheSourceTheBadValueCameFrom() throws Exception {
        Path file = Files.writeString(work.resolve("hotserve.yaml"), """
                max_headers: 3
                models:
                  - name: sac
                    threads: 0
                """);
        String name = "config file " + file;
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(Setting.CONFIG, file.toString()), Map.of(), work))
                .hasMessage(name + ": max_headers must be an integer 8-100000, was '3'");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(Setting.CONFIG, file.toString()), Map.of("HOTSERVE_MAX_HEADERS", "50"), work))
                .hasMessage(name + ": model sac threads must be an integer 1-1024, was '0'");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(Setting.THREADS, "x"), Map.of("HOTSERVE_THREADS", "2"), work))
                .hasMessage("--threads must be an integer 1-1024, was 'x'");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(Setting.IDLE_TIMEOUT, "10ms"), Map.of(), work))
                .hasMessage("--idle-timeout must be at least 1s, was 10ms");
        Path rollout = Files.writeString(work.resolve("rollout.yaml"), """
                models:
                  - name: sac
                    rollout: {mode: shadow, shadow_samples: many}
                """);
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("HOTSERVE_CONFIG", rollout.toString()), work))
                .hasMessage("config file " + rollout + ": model sac rollout.shadow_samples must be an integer 0-10000000, was 'many'");
    }

    @Test
    void enforcedSignaturesNeedATrustedKeyEvenWhenTheListIsOnlyCommas() {
        for (Map<String, String> env : java.util.List.of(Map.of("HOTSERVE_SIGNATURES", "enforce"),
                Map.of("HOTSERVE_SIGNATURES", "enforce", "HOTSERVE_TRUSTED_KEYS", " , "))) {
            assertThatThrownBy(() -> ConfigLoader.load(Map.of(), env, work)).as(env.toString())
                    .hasMessageStartingWith("model sac: signatures enforce needs trusted keys");
        }
    }

    @Test
    void theStateDirMayStandInTheFileRelativeToIt() throws Exception {
        Path file = Files.writeString(work.resolve("hotserve.yaml"), "state_dir: state\nmodels:\n  - name: sac\n    rollout: shadow\n");
        RolloutPolicy r = ConfigLoader.load(Map.of(), Map.of("HOTSERVE_CONFIG", file.toString()), work).models().get(0).rollout();
        assertThat(r.stateFile()).hasValueSatisfying(f -> assertThat(f.getParent()).isEqualTo(work.resolve("state")));
        RolloutPolicy fromEnv = ConfigLoader.load(Map.of(), Map.of("HOTSERVE_CONFIG", file.toString(), "HOTSERVE_STATE_DIR", "/var/lib/x"),
                work).models().get(0).rollout();
        assertThat(fromEnv.stateFile()).hasValueSatisfying(f -> assertThat(f.getParent()).isEqualTo(Path.of("/var/lib/x")));
    }
}
