package dev.hotserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * SECURITY.md for the config file (YAML or JSON) and its model entries, which a repository load also
 * sends: any bytes give a config or a {@link ConfigException}, nothing else (no YAML alias bomb, no
 * stack overflow from nesting). Run as a fuzzer with {@code bench/fuzz ConfigFileFuzzTest#<method> <minutes>}.
 */
class ConfigFileFuzzTest {

    private static Path dir;
    private static Path file;

    @BeforeAll
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("hotserve-config-fuzz");
        file = dir.resolve("hotserve.yaml");
    }

    @AfterAll
    static void removeDir() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @FuzzTest
    void configFile(byte[] bytes) throws IOException {
        Files.write(file, bytes);
        try {
            ConfigFile c = ConfigFile.read(file, "HOTSERVE_CONFIG");
            for (JsonNode m : c.models()) {
                modelEntry(m.toString());
            }
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @FuzzTest
    void modelEntry(byte[] bytes) {
        modelEntry(new String(bytes, StandardCharsets.UTF_8));
    }

    private static void modelEntry(String json) {
        try {
            ModelConfig m = ConfigLoader.modelEntry("fuzzed", json, dir);
            assertThat(m.name()).isEqualTo("fuzzed");
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
