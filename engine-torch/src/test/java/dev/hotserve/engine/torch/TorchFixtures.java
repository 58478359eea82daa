package dev.hotserve.engine.torch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotserve.engine.LoadOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The committed SAC fixtures (fixtures/sac, from fixtures/make_fixtures.py) as the tests use them. */
final class TorchFixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TorchFixtures() {}

    static Path dir() {
        String dir = System.getProperty("hotserve.fixtures");
        if (dir == null) {
            throw new IllegalStateException("system property hotserve.fixtures is not set (Surefire sets it)");
        }
        return Path.of(dir);
    }

    static Path file(String name) {
        Path p = dir().resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing fixture " + p + " (run fixtures/make_fixtures.py)");
        }
        return p;
    }

    /** Every TorchScript fixture that has a PyTorch reference. */
    static List<Path> withReference() {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".pt"))
                    .filter(p -> Files.exists(reference(p)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path reference(Path pt) {
        String name = pt.getFileName().toString();
        return pt.resolveSibling(name.substring(0, name.length() - ".pt".length()) + ".reference.json");
    }

    static JsonNode json(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the core would pass: state_dim from the {@code <file>.json} sidecar. */
    static LoadOptions options(Path pt) {
        Path sidecar = pt.resolveSibling(pt.getFileName() + ".json");
        return LoadOptions.defaults().withStateDim(json(sidecar).get("state_dim").asInt());
    }

    static float[] flatten(JsonNode rows) {
        int width = rows.get(0).size();
        float[] out = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < width; c++) {
                out[r * width + c] = (float) rows.get(r).get(c).asDouble();
            }
        }
        return out;
    }

    static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
