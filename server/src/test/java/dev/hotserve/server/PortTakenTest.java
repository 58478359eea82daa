package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A port that cannot be bound is the one thing that stops start-up, with a message saying so. */
class PortTakenTest {

    @TempDir
    Path dir;

    @Test
    void startingOnATakenPortFailsWithAClearMessage() {
        try (TestServer first = TestServer.start(dir, Map.of())) {
            String port = Integer.toString(first.server.port());
            assertThatThrownBy(() -> TestServer.start(dir, Map.of("HOTSERVE_PORT", port)))
                    .isInstanceOf(HotserveServer.ServerStartException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + port);
        }
    }
}
