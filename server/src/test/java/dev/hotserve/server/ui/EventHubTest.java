package dev.hotserve.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EventHubTest {

    @Test
    void aStreamThatStopsReadingIsEndedNotBufferedFor() throws Exception {
        EventHub hub = new EventHub(4, 3);
        EventHub.Subscriber slow = hub.subscribe();
        EventHub.Subscriber fast = hub.subscribe();
        for (int i = 0; i < 5; i++) {
            hub.publish("frame " + i);
            assertThat(fast.next(Duration.ZERO)).isEqualTo("frame " + i);
        }
        // Publishing never blocked; the slow one gets the end of its stream, and nothing after it.
        assertThat(slow.next(Duration.ZERO)).isSameAs(EventHub.END);
        hub.publish("later");
        assertThat(slow.next(Duration.ZERO)).isNull();
        assertThat(fast.next(Duration.ZERO)).isEqualTo("later");
    }

    @Test
    void closingEndsEveryStreamAndRefusesNewOnes() throws Exception {
        EventHub hub = new EventHub(4, 8);
        EventHub.Subscriber s = hub.subscribe();
        hub.publish("a");
        hub.close();
        assertThat(s.next(Duration.ZERO)).isSameAs(EventHub.END);
        assertThat(hub.subscribe()).isNull();
        assertThat(hub.isClosed()).isTrue();
    }

    @Test
    void atMostTheConfiguredNumberOfStreams() {
        EventHub hub = new EventHub(2, 8);
        EventHub.Subscriber a = hub.subscribe();
        assertThat(hub.subscribe()).isNotNull();
        assertThat(hub.subscribe()).isNull();
        hub.unsubscribe(a);
        assertThat(hub.subscribe()).isNotNull();
    }

    @Test
    void oneClientGetsItsShareAndNoMoreWhileOthersStillGetIn() {
        EventHub hub = new EventHub(6, 2, 8);
        assertThat(hub.subscribe("10.0.0.1")).isNotNull();
        assertThat(hub.subscribe("10.0.0.1")).isNotNull();
        assertThat(hub.subscribe("10.0.0.1")).as("over its share").isNull();
        assertThat(hub.refusal("10.0.0.1")).isEqualTo(EventHub.Refusal.CLIENT_FULL);
        assertThat(hub.subscribe("10.0.0.2")).as("another viewer still gets in").isNotNull();
        assertThat(hub.subscribers()).isEqualTo(3);
    }
}
