package dev.hotserve.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.core.ReloadEvent;
import dev.hotserve.core.ReloadKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each reload event reaches the metrics exactly once, whether it came live, from the replay, or both. */
class ReloadRecorderTest {

    private static ReloadEvent event(long newGeneration) {
        return new ReloadEvent(Instant.EPOCH.plusSeconds(newGeneration), ReloadKind.LOADED, newGeneration - 1, newGeneration,
                Path.of("/m/model_" + newGeneration + ".onnx"), "newer file", Duration.ofMillis(1), null);
    }

    @Test
    void eventsSeenLiveAndInTheReplayAreDeliveredOnceInOrder() {
        List<ReloadEvent> delivered = new ArrayList<>();
        ReloadRecorder r = new ReloadRecorder(delivered::add);
        ReloadEvent e1 = event(1);
        ReloadEvent e2 = event(2);
        ReloadEvent e3 = event(3);
        ReloadEvent e4 = event(4);
        r.accept(e2);                   // live, before the replay
        r.backfill(List.of(e3, e2, e1)); // the log, newest first; e3's listener call is still to come
        r.accept(e3);                   // late live delivery of a replayed event
        r.accept(e4);                   // a new event
        assertThat(delivered).containsExactly(e2, e1, e3, e4);
    }
}
