package dev.hotserve.example.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.OptionalDouble;

/** The running application, over real HTTP: its action route, its health and its Prometheus scrape. */
final class PolicyService {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;

    PolicyService(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** The fixture's reference input (batch1) and the action PyTorch computed for it. */
    record Reference(String state, double action) {
        static Reference of(String fixture) {
            try {
                JsonNode batch = JSON.readTree(Checkpoints.fixture(fixture + ".reference.json").toFile()).get("batch1");
                return new Reference(batch.get("inputs").get(0).toString(), batch.get("action").get(0).get(0).asDouble());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    JsonNode act(String state) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/act"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"state\":" + state + "}")).build());
        if (r.statusCode() != 200) {
            throw new AssertionError("POST /act answered " + r.statusCode() + ": " + r.body());
        }
        return read(r.body());
    }

    /** The {@code hotserve} component of {@code /actuator/health}'s model entry. */
    JsonNode health(String model) {
        JsonNode all = read(send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")).GET().build()).body());
        return all.path("components").path("hotserve").path("components").path(model);
    }

    String prometheus() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus")).GET().build());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /actuator/prometheus answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** The value of the sample {@code name{...}} whose labels include every one of {@code labels} ({@code model="sac"}). */
    static OptionalDouble sample(String scrape, String name, String... labels) {
        outer:
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            String labelPart = line.substring(name.length(), line.lastIndexOf('}') + 1);
            for (String l : labels) {
                if (!labelPart.contains(l)) {
                    continue outer;
                }
            }
            return OptionalDouble.of(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
        return OptionalDouble.empty();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
