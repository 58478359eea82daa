package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.server.config.Setting;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code hotserve serve}'s flags are the settings table's: one per row that has a flag, read into the config loader's map. */
class ServeCommandTest {

    private static CommandLine serve() {
        return new CommandLine(new Main()).getSubcommands().get("serve");
    }

    @Test
    void everySettingWithAFlagIsAnOptionAndNothingElseIs() {
        Set<String> options = serve().getCommandSpec().options().stream()
                .map(o -> o.longestName()).collect(Collectors.toSet());
        Set<String> table = Arrays.stream(Setting.values()).map(Setting::flag).filter(Objects::nonNull).collect(Collectors.toSet());
        assertThat(options).containsAll(table).hasSize(table.size() + 2); // and --help, --version
        assertThat(options).contains("--help", "--version", "--max-batch-size", "--grpc-port", "--name", "--trusted-keys");
    }

    @Test
    void givenFlagsReachTheLoaderByTheirSetting() {
        CommandLine.ParseResult parsed = new CommandLine(new Main())
                .parseArgs("serve", "--port", "7002", "--max-batch-size=8", "--grpc-port", "off", "--name", "hedger");
        assertThat(Main.SettingOptions.given(parsed.subcommand().commandSpec())).isEqualTo(Map.of(
                Setting.PORT, "7002", Setting.MAX_BATCH_SIZE, "8", Setting.GRPC_PORT, "off", Setting.MODEL_NAME, "hedger"));
    }

    @Test
    void helpListsEveryFlagWithItsVariable() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        assertThat(cl.execute("serve", "--help")).isZero();
        for (Setting s : Setting.values()) {
            if (s.flag() != null) {
                assertThat(out.toString()).contains(s.flag() + "=").contains(s.env());
            }
        }
        assertThat(out.toString()).contains("--model-dir=DIR", "--max-batch-rows=<maxBatchRows>", "--grpc-port=PORT|off");
    }

    @Test
    void anUnknownOrRepeatedFlagIsRefusedBeforeAnythingStarts() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("serve", "--prot", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--prot'");
        assertThat(cl.execute("serve", "--port", "1", "--port", "2")).isEqualTo(2);
        assertThat(err.toString()).contains("--port").contains("should be specified only once");
    }
}
