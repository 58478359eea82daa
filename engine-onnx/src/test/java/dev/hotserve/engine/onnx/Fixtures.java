package dev.hotserve.engine.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed SAC fixtures (fixtures/make_fixtures.py) and their PyTorch reference outputs. */
final class Fixtures {

    private Fixtures() {}

    static Path dir() {
        String configured = System.getProperty("hotserve.fixtures");
        Path dir = configured != null ? Path.of(configured) : Path.of("..", "fixtures", "sac");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("fixtures not found at " + dir.toAbsolutePath()
                    + " (set -Dhotserve.fixtures or run /usr/bin/python3 fixtures/make_fixtures.py)");
        }
        return dir;
    }

    static Path file(String name) {
        return dir().resolve(name);
    }

    /** One batch of a reference file, flattened row-major as {@code LoadedModel.run} takes and gives. */
    record Batch(int rows, float[] inputs, float[] mean, float[] logStd, float[] action) {}

    record Reference(int stateDim, int actionDim, Batch batch1, Batch batch64) {
        Batch batch(int rows) {
            return switch (rows) {
                case 1 -> batch1;
                case 64 -> batch64;
                default -> throw new IllegalArgumentException("references exist for batch 1 and 64, not " + rows);
            };
        }
    }

    static Reference reference(String stem) {
        Path file = file(stem + ".reference.json");
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            return new Reference(root.get("state_dim").asInt(), root.get("action_dim").asInt(),
                    batch(root.get("batch1")), batch(root.get("batch64")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Batch batch(JsonNode node) {
        return new Batch(node.get("inputs").size(), flat(node.get("inputs")), flat(node.get("mean")),
                flat(node.get("log_std")), flat(node.get("action")));
    }

    private static float[] flat(JsonNode rows) {
        int width = rows.get(0).size();
        float[] out = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < width; c++) {
                out[r * width + c] = (float) rows.get(r).get(c).asDouble();
            }
        }
        return out;
    }

    /** Largest absolute difference; infinite when the lengths differ or a value is not finite. */
    static double maxAbsDiff(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(d)) {
                return Double.POSITIVE_INFINITY;
            }
            max = Math.max(max, d);
        }
        return max;
    }
}
