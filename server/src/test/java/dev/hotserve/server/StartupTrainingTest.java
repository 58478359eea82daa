package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What the launcher records its start-up cache from: a server on the demo model that answers both
 * protocols and picks up every checkpoint renamed into its directory. It fails, and the launcher
 * then records no cache, if a pickup is not seen; it is hidden from the help.
 */
class StartupTrainingTest {

    @Test
    void aServerOnTheDemoModelAnswersAndPicksUpEveryCheckpointThenStops() {
        CommandLine cl = new CommandLine(new Main());
        assertThat(cl.execute("aot-training")).isZero();
        assertThat(cl.getUsageMessage()).doesNotContain("aot-training");
    }
}
