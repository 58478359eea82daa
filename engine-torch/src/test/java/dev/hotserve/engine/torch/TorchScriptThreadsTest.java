package dev.hotserve.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code LoadOptions.threads} reaches libtorch: its intra-op pool is as large as the first load
 * asked, and the inter-op pool has one thread.
 *
 * <p>libtorch's pools are per process and sized once, when DJL starts the engine, so the case runs
 * in a fresh JVM ({@link ThreadsProbe}); this test JVM's engine started long ago. The size asked
 * is one more than the cores, a value libtorch's own default (at most one per core) never takes,
 * so the answer can only come from our setting.
 */
class TorchScriptThreadsTest {

    @Test
    void theFirstLoadsThreadsSizeLibtorchsIntraOpPool() throws Exception {
        int threads = Runtime.getRuntime().availableProcessors() + 1;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ThreadsProbe.class.getName(),
                TorchFixtures.file("actor_seed0.pt").toString(), Integer.toString(threads))).redirectErrorStream(true);
        // The child must take our default, not an operator's override.
        pb.environment().remove("OMP_NUM_THREADS");
        pb.environment().remove("MKL_NUM_THREADS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // A bound on a hung child, not a timing assertion.
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("child JVM finished; output:%n%s", out).isTrue();
        assertThat(p.exitValue()).as("child JVM exit code; output:%n%s", out).isZero();

        assertThat(out).contains("outputs=2");
        assertThat(out).contains("torch_num_threads=" + threads + "\n");
        assertThat(out).contains("torch_num_interop_threads=1\n");
    }
}
