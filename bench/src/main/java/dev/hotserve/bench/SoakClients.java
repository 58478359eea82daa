package dev.hotserve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's clients: each sends predictions back to back, to every model in turn, each client
 * with its own input row. Every answer is checked: a 200; a generation never below the last one
 * this client saw from that model; a {@code model_path} the soak published; and an action equal
 * (to float rounding, as batching may sum in another order) to what that path's fixture answers
 * for this input, as measured before the soak ({@link #calibrate}).
 */
final class SoakClients implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FAILURES_KEPT = 50;

    private final URI base;
    private final List<String> models;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    /** Every file the soak published: its path, and which fixture's bytes it holds. */
    private final Map<String, Integer> published = new ConcurrentHashMap<>();
    /** model → fixture → client → the action that fixture answers. */
    private final Map<String, double[][][]> expected = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final int clients;

    SoakClients(URI base, List<String> models, int clients, int fixtures) {
        this.base = base;
        this.models = models;
        this.clients = clients;
        for (String m : models) {
            expected.put(m, new double[fixtures][clients][]);
        }
    }

    static String body(int client) {
        StringBuilder b = new StringBuilder("{\"state\":[");
        for (int i = 0; i < 28; i++) {
            b.append(i == 0 ? "" : ",").append(0.05 * (client + 1) + 0.01 * i);
        }
        return b.append("]}").toString();
    }

    /** Notes a file before it appears, so that no answer from it is ever unknown. */
    void publishing(String path, int fixture) {
        published.put(path, fixture);
    }

    /** Records what {@code model}, now serving {@code fixture}, answers each client's input. */
    void calibrate(String model, int fixture) throws IOException, InterruptedException {
        for (int c = 0; c < clients; c++) {
            JsonNode a = JSON.readTree(predict(model, c).body());
            expected.get(model)[fixture][c] = action(a);
        }
    }

    void start() {
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofPlatform().name("soak-client-" + c).daemon().start(() -> run(client)));
        }
    }

    private void run(int client) {
        Map<String, Long> lastGeneration = new java.util.HashMap<>();
        while (!stop.get()) {
            for (String m : models) {
                requests.incrementAndGet();
                try {
                    HttpResponse<String> r = predict(m, client);
                    String problem = check(m, client, r, lastGeneration);
                    if (problem != null) {
                        fail(m + ": " + problem);
                    }
                } catch (IOException e) {
                    fail(m + ": " + e);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private String check(String model, int client, HttpResponse<String> r, Map<String, Long> lastGeneration) throws IOException {
        if (r.statusCode() != 200) {
            return "HTTP " + r.statusCode() + " " + r.body();
        }
        JsonNode a = JSON.readTree(r.body());
        long g = a.path("generation").asLong();
        Long last = lastGeneration.put(model, g);
        if (last != null && g < last) {
            return "generation went from " + last + " down to " + g;
        }
        String path = a.path("model_path").asText();
        Integer fixture = published.get(path);
        if (fixture == null) {
            return "answered by " + path + ", which the soak did not publish";
        }
        double[] want = expected.get(model)[fixture][client];
        double[] got = action(a);
        if (want == null || want.length != got.length) {
            return "no calibrated answer for fixture " + fixture + " (" + path + ")";
        }
        for (int i = 0; i < got.length; i++) {
            if (Math.abs(got[i] - want[i]) > 1e-4 * Math.max(1, Math.abs(want[i]))) {
                return path + " (fixture " + fixture + ") answered " + java.util.Arrays.toString(got) + ", its fixture answers "
                        + java.util.Arrays.toString(want);
            }
        }
        return null;
    }

    /** Whether the calibrated answers of different fixtures differ, so that a match means something. */
    boolean fixturesDistinguishable() {
        for (double[][][] perFixture : expected.values()) {
            for (int c = 0; c < clients; c++) {
                for (int f = 0; f < perFixture.length; f++) {
                    for (int o = f + 1; o < perFixture.length; o++) {
                        if (java.util.Arrays.equals(perFixture[f][c], perFixture[o][c])) {
                            return false;
                        }
                    }
                }
            }
        }
        return true;
    }

    private HttpResponse<String> predict(String model, int client) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve("/" + model + "/predict")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body(client))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double[] action(JsonNode a) {
        JsonNode act = a.path("action");
        if (act.isNumber()) {
            return new double[] {act.asDouble()};
        }
        double[] v = new double[act.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = act.get(i).asDouble();
        }
        return v;
    }

    private void fail(String what) {
        failed.incrementAndGet();
        if (failures.size() < MAX_FAILURES_KEPT) {
            failures.add(what);
        }
    }

    long requests() {
        return requests.get();
    }

    long failed() {
        return failed.get();
    }

    List<String> failures() {
        return new ArrayList<>(failures);
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(Duration.ofMinutes(1));
        }
    }
}
