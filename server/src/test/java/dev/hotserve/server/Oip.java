package dev.hotserve.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Helpers of the Open Inference Protocol tests: fixtures, request bodies, reference numbers. */
final class Oip {

    private Oip() {}

    /** A file of {@code fixtures/tensors/} (the typed-tensor model). */
    static Path tensorFixture(String name) {
        return Checkpoints.fixture("actor_seed0.onnx").getParent().resolveSibling("tensors").resolve(name);
    }

    /** Copies a fixture (and its {@code .json} sidecar when it has one) into {@code dir} as {@code target}. */
    static Path install(Path fixture, Path dir, String target) {
        try {
            Path p = Files.copy(fixture, dir.resolve(target), StandardCopyOption.REPLACE_EXISTING);
            Path sidecar = fixture.resolveSibling(fixture.getFileName() + ".json");
            if (Files.exists(sidecar)) {
                Files.copy(sidecar, dir.resolve(target + ".json"), StandardCopyOption.REPLACE_EXISTING);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"inputs":[{"name","shape","datatype","data"}] <extra>}} */
    static String infer(String name, String datatype, long[] shape, String data, String extra) {
        return "{\"inputs\":[" + input(name, datatype, shape, data) + "]" + extra + "}";
    }

    static String input(String name, String datatype, long[] shape, String data) {
        return "{\"name\":\"" + name + "\",\"shape\":" + Arrays.toString(shape) + ",\"datatype\":\"" + datatype + "\",\"data\":" + data + "}";
    }

    /** {@code n} values {@code 0.01 * i} as a flat JSON array. */
    static String values(int n) {
        return IntStream.range(0, n).mapToObj(i -> Double.toString(0.01 * i)).collect(Collectors.joining(",", "[", "]"));
    }

    /** The reference file of a SAC fixture ({@code actor_seed0} ...). */
    static JsonNode reference(String stem) {
        try {
            return TestServer.JSON.readTree(Checkpoints.fixture(stem + ".reference.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rows of a reference batch, flattened: {@code [[...],[...]]} -> {@code [...]} as JSON text. */
    static String flat(JsonNode rows) {
        StringBuilder b = new StringBuilder("[");
        for (JsonNode row : rows) {
            for (JsonNode v : row) {
                b.append(b.length() == 1 ? "" : ",").append(v.asText());
            }
        }
        return b.append(']').toString();
    }
}
