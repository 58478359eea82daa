package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.config.Setting;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SECURITY.md: loopback unless told otherwise; beyond it with no API key, a warning that names the risk. */
class SafeDefaultsTest {

    @TempDir
    Path work;

    private ServerConfig config(Map<String, String> env) throws Exception {
        return ConfigLoader.load(Map.<Setting, String>of(), env, work);
    }

    @Test
    void theDefaultBindIsLoopbackAndNeedsNoWarning() throws Exception {
        ServerConfig c = config(Map.of());
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(HotserveServer.exposureWarning(c)).isEmpty();
        assertThat(HotserveServer.exposureWarning(config(Map.of("HOTSERVE_HOST", "::1")))).isEmpty();
    }

    @Test
    void anyOtherAddressWithoutAnApiKeyIsWarnedAbout() throws Exception {
        assertThat(HotserveServer.exposureWarning(config(Map.of("HOTSERVE_HOST", "0.0.0.0")))).hasValueSatisfying(w -> assertThat(w)
                .contains("0.0.0.0").contains("HOTSERVE_API_KEY").contains("HOTSERVE_ADMIN_KEY"));
        assertThat(HotserveServer.exposureWarning(config(Map.of("HOTSERVE_HOST", "0.0.0.0", "HOTSERVE_ADMIN_KEY", "a-long-admin-key-1234"))))
                .hasValueSatisfying(w -> assertThat(w).contains("HOTSERVE_API_KEY").doesNotContain("HOTSERVE_ADMIN_KEY"));
        assertThat(HotserveServer.exposureWarning(config(Map.of("HOTSERVE_HOST", "0.0.0.0", "HOTSERVE_API_KEY", "a-long-api-key-12345"))))
                .isEmpty();
    }
}
