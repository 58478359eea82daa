package dev.hotserve.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.ReloadMode;
import dev.hotserve.signing.SignatureMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.ApplicationConversionService;

/**
 * A property of {@code hotserve.models.<name>} left unset means what the same setting left unset
 * means in the server. The server's defaults are read from server/README.md's settings table, which
 * the server's own test holds to its code (Setting.java); each is converted as Spring converts a
 * value a user writes, and compared with the property's default here. (The rollout's defaults are
 * read from the core's RolloutPolicy on both sides, so they cannot differ.)
 */
class DefaultsAgreeWithServerTest {

    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    /** The default column's first code span, by variable. */
    private static Map<String, String> serverDefaults() throws IOException {
        Path root = Path.of(System.getProperty("hotserve.fixtures")).getParent().getParent();
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readString(root.resolve("server/README.md")).split("\n")) {
            if (line.startsWith("| `HOTSERVE_")) {
                String[] cells = line.split("\\|");
                Matcher env = CODE.matcher(cells[1]);
                Matcher value = CODE.matcher(cells[4]);
                if (env.find() && value.find()) {
                    out.put(env.group(1), value.group(1));
                }
            }
        }
        return out;
    }

    @Test
    void everyPerModelDefaultIsTheServers() throws IOException {
        Map<String, String> server = serverDefaults();
        HotserveProperties.Model spring = new HotserveProperties.Model();
        agree(server, "HOTSERVE_JIT", Boolean.class, spring.isJit());
        agree(server, "HOTSERVE_RELOAD_MODE", ReloadMode.class, spring.getReloadMode());
        agree(server, "HOTSERVE_POLL_INTERVAL", Duration.class, spring.getPollInterval());
        agree(server, "HOTSERVE_THREADS", Integer.class, spring.getThreads());
        agree(server, "HOTSERVE_WARM_LOADS", Integer.class, spring.getWarmLoads());
        agree(server, "HOTSERVE_MAX_BATCH_SIZE", Integer.class, spring.getMaxBatchSize());
        agree(server, "HOTSERVE_MAX_QUEUE_DELAY", Duration.class, spring.getMaxQueueDelay());
        agree(server, "HOTSERVE_ADAPTIVE_QUEUE_DELAY", Boolean.class, spring.isAdaptiveQueueDelay());
        agree(server, "HOTSERVE_CACHE_KEEP", Integer.class, spring.getCacheKeep());
        agree(server, "HOTSERVE_SIGNATURES", SignatureMode.class, spring.getSignatures());
        // The server leaves these unset (the core decides, or there is no value); so does Spring.
        assertThat(spring.getSettleWindow()).isNull();
        assertThat(spring.getStateDim()).isNull();
        assertThat(spring.getS3Endpoint()).isNull();
        assertThat(spring.getTrustedKeys()).isEmpty();
        // The glob: the server names the core's default in its row ("none: the core's `model_*.{onnx,pt}`").
        assertThat(spring.getGlob()).isEqualTo(server.get("HOTSERVE_MODEL_GLOB"));
    }

    private static <T> void agree(Map<String, String> server, String env, Class<T> type, Object springDefault) {
        assertThat(server).as("server/README.md states a default for " + env).containsKey(env);
        T converted = ApplicationConversionService.getSharedInstance().convert(server.get(env), type);
        assertThat(springDefault).as(env + ": the server's default " + server.get(env) + " against Spring's").isEqualTo(converted);
    }
}
