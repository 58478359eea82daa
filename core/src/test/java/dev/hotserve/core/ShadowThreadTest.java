package dev.hotserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The runtime's one shadow thread: runs what it is handed, in order, wakes for work after it slept, ends on close. */
class ShadowThreadTest {

    static boolean alive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void runsTasksInTheOrderTheyAreHandedInOnOneThread() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        try (ShadowThread shadow = new ShadowThread("shadow-order")) {
            CountDownLatch hold = new CountDownLatch(1);
            shadow.execute(() -> {
                awaitRelease(hold);
                ran.add("first on " + Thread.currentThread().getName());
            });
            for (int i = 2; i <= 5; i++) {
                String task = "task " + i;
                shadow.execute(() -> ran.add(task));
            }
            hold.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 5);
        }
        assertThat(ran).containsExactly("first on shadow-order", "task 2", "task 3", "task 4", "task 5");
    }

    @Test
    void aTaskHandedInAfterItFellAsleepWakesIt() throws Exception {
        List<Integer> ran = new CopyOnWriteArrayList<>();
        try (ShadowThread shadow = new ShadowThread("shadow-wake")) {
            shadow.execute(() -> ran.add(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 1);
            Thread worker = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("shadow-wake")).findFirst().orElseThrow();
            // Past its linger it parks without a timeout, until handed work.
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.getState() == Thread.State.WAITING);

            shadow.execute(() -> ran.add(2));

            await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 2);
        }
        assertThat(ran).containsExactly(1, 2);
    }

    @Test
    void aFailingTaskDoesNotStopTheOnesAfterIt() {
        List<String> ran = new CopyOnWriteArrayList<>();
        try (ShadowThread shadow = new ShadowThread("shadow-failing")) {
            shadow.execute(() -> {
                throw new IllegalStateException("a bug in one comparison");
            });
            shadow.execute(() -> ran.add("after"));
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 1);
        }
        assertThat(ran).containsExactly("after");
    }

    @Test
    void closeEndsTheThreadAndRefusesNewWork() {
        ShadowThread shadow = new ShadowThread("shadow-close");
        List<String> ran = new CopyOnWriteArrayList<>();
        shadow.execute(() -> ran.add("ran"));
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 1);
        assertThat(alive("shadow-close")).isTrue();

        shadow.close();

        assertThat(alive("shadow-close")).isFalse();
        assertThatThrownBy(() -> shadow.execute(() -> ran.add("too late"))).isInstanceOf(RejectedExecutionException.class);
        shadow.close(); // idempotent
    }

    @Test
    void noThreadIsStartedUntilThereIsWork() {
        try (ShadowThread shadow = new ShadowThread("shadow-lazy")) {
            assertThat(alive("shadow-lazy")).isFalse();
        }
    }

    private static void awaitRelease(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the test never released the first task");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
