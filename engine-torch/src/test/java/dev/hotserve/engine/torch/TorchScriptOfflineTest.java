package dev.hotserve.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, part 2: with nothing set by the user, starting libtorch and loading a model attempts no
 * network connection at all.
 *
 * <p>Each case runs in a fresh JVM ({@link OfflineProbe}), because DJL decides once per process
 * (in {@code ai.djl.engine.Engine}'s static initialiser) whether to call home, and this test JVM's
 * DJL has long started. The child's environment has no {@code DJL_OFFLINE} (Surefire sets it for
 * this JVM) and no opt-out, so only our engine's default can keep it offline. The child records
 * every socket connect (and refuses it, so nothing leaves the machine) and every DNS lookup; see
 * {@link NetworkRecorder} for why that, and not a ProxySelector, sees DJL's traffic.
 *
 * <p>The control case proves the recorder would see DJL going online: with the user's explicit
 * {@code -Dai.djl.offline=false} (which we honour) the same run records DJL's call-home to the EC2
 * metadata address.
 */
class TorchScriptOfflineTest {

    @Test
    void byDefaultNoConnectionIsAttempted() throws Exception {
        String out = runProbe(List.of());

        assertThat(out).contains("outputs=2");
        assertThat(out).contains("ai.djl.offline=true"); // set by the engine, not by the user
        assertThat(out).contains("attempts=[]");
    }

    @Test
    void controlTheRecorderSeesDjlGoingOnlineWhenTheUserAsksForIt() throws Exception {
        String out = runProbe(List.of("-Dai.djl.offline=false"));

        assertThat(out).contains("outputs=2");
        assertThat(out).contains("ai.djl.offline=false");
        assertThat(out).contains("tcp:/169.254.169.254:80"); // Ec2Utils.callHome: IMDS token, then metadata
    }

    private static String runProbe(List<String> jvmArgs) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), OfflineProbe.class.getName(),
                TorchFixtures.file("actor_seed0.pt").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("DJL_OFFLINE");
        env.remove("OPT_OUT_TRACKING");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // A bound on a hung child, not a timing assertion.
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("child JVM finished; output:%n%s", out).isTrue();
        assertThat(p.exitValue()).as("child JVM exit code; output:%n%s", out).isZero();
        System.out.println("child JVM " + jvmArgs + ":\n" + out);
        return out;
    }
}
