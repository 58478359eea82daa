package dev.hotserve.server.faults;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Clients that send predictions back to back to whichever server process is current, and one
 * observer that reads the model's load history, while a test kills and restarts servers or breaks the
 * store under them. Every answer must be a 200; a refused or cut connection counts only when it
 * happens outside a window the test declared (the server being killed or not yet restarted).
 * The observer notes every (version, sha256) the history names as loaded, so a test can check
 * that each was a whole published checkpoint.
 */
final class Load implements AutoCloseable {

    private final AtomicReference<ServerProcess> target;
    private final String model;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicLong answered = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Set<String> served = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new ArrayList<>();

    Load(ServerProcess first, String model, int clients) {
        this.target = new AtomicReference<>(first);
        this.model = model;
        for (int i = 0; i < clients; i++) {
            double value = 0.05 * (i + 1);
            threads.add(Thread.ofPlatform().name("load-client-" + i).daemon().start(() -> predictions(value)));
        }
        threads.add(Thread.ofPlatform().name("load-observer").daemon().start(this::observe));
    }

    /** From now on, connection errors are expected: the server is about to die. */
    void serverGoingDown() {
        down.set(true);
    }

    /** A new process answers: connection errors count again. */
    void serverUp(ServerProcess s) {
        target.set(s);
        down.set(false);
    }

    private void predictions(double value) {
        String body = Trainer.predictBody(value);
        long lastGeneration = 0;
        ServerProcess lastTarget = null;
        while (!stop.get()) {
            ServerProcess s = target.get();
            if (s != lastTarget) {
                lastGeneration = 0; // a restarted process counts generations afresh
                lastTarget = s;
            }
            try {
                HttpResponse<String> r = s.post("/" + model + "/predict", body);
                if (r.statusCode() != 200) {
                    failures.add(s.base + ": HTTP " + r.statusCode() + " " + r.body());
                    continue;
                }
                answered.incrementAndGet();
                long g = Long.parseLong(r.headers().firstValue("X-Model-Generation").orElse("0"));
                if (g < lastGeneration) {
                    failures.add(s.base + ": generation went from " + lastGeneration + " down to " + g);
                }
                lastGeneration = g;
            } catch (IOException e) {
                noteConnectionError(s, e);
            }
        }
    }

    private void observe() {
        while (!stop.get()) {
            ServerProcess s = target.get();
            try {
                // The history lists every version this process loaded, however briefly it served.
                for (JsonNode v : ServerProcess.json(s.get("/" + model + "/model/history"))) {
                    served.add(v.path("version").asText() + "@" + v.path("sha256").asText());
                }
                Thread.sleep(5); // the observer's own pace: it must leave the clients the CPU
            } catch (IOException e) {
                noteConnectionError(s, e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void noteConnectionError(ServerProcess s, IOException e) {
        if (down.get() || target.get() != s) {
            pause();
            return;
        }
        failures.add(s.base + " (pid " + s.pid() + ", alive " + s.alive() + "): " + e);
        pause();
    }

    private static void pause() {
        try {
            Thread.sleep(10); // nothing listens yet: do not spin
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long answered() {
        return answered.get();
    }

    List<String> failures() {
        return new ArrayList<>(failures);
    }

    /** Every "version@sha256" the history named as loaded. */
    Set<String> served() {
        return Set.copyOf(served);
    }

    @Override
    public void close() {
        stop.set(true);
        for (Thread t : threads) {
            try {
                t.join(Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The pairs a test published, as {@link #served()} spells them. */
    static String pair(String version, String sha256) {
        return version + "@" + sha256;
    }
}
