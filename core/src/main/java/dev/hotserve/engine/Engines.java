package dev.hotserve.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The engines on the class path, and the choice among them by file content: engines that
 * recognise the file's first bytes are tried first, then the rest, so a {@code .pt} that is
 * really ONNX still loads. When none can read the file, one error names the file and every
 * engine's reason.
 */
public final class Engines {

    /** How many leading bytes {@link Engine#recognizes} is shown. */
    public static final int HEAD_BYTES = 64;

    private final List<Engine> engines;

    public Engines(List<Engine> engines) {
        this.engines = List.copyOf(engines);
    }

    /** Every {@link Engine} registered with {@link ServiceLoader} on the given class loader. */
    public static Engines discover(ClassLoader loader) {
        List<Engine> found = new ArrayList<>();
        ServiceLoader.load(Engine.class, loader).forEach(found::add);
        return new Engines(found);
    }

    /** {@link #discover(ClassLoader)} with this class's loader. */
    public static Engines discover() {
        return discover(Engines.class.getClassLoader());
    }

    public List<Engine> all() {
        return engines;
    }

    /** Loads {@code file} with the first engine that can, trying recognising engines first. */
    public Loaded load(Path file, LoadOptions options) throws ModelLoadException {
        if (engines.isEmpty()) {
            throw new ModelLoadException("no engine on the class path can load " + file
                    + " (add hotserve-engine-onnx or hotserve-engine-torch)");
        }
        byte[] head = head(file);
        if (head.length == 0) {
            throw new ModelLoadException(file + " is empty");
        }
        List<Engine> order = new ArrayList<>(engines.size());
        for (Engine e : engines) {
            if (e.recognizes(head)) {
                order.add(e);
            }
        }
        for (Engine e : engines) {
            if (!order.contains(e)) {
                order.add(e);
            }
        }
        StringBuilder reasons = new StringBuilder();
        ModelLoadException first = null;
        for (Engine e : order) {
            try {
                return new Loaded(e.name(), e.load(file, options));
            } catch (ModelLoadException ex) {
                if (first == null) {
                    first = ex;
                }
                reasons.append(reasons.isEmpty() ? "" : "; ").append(e.name()).append(": ").append(ex.getMessage());
            }
        }
        throw new ModelLoadException("no engine could load " + file + " — " + reasons, first);
    }

    private static byte[] head(Path file) throws ModelLoadException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(HEAD_BYTES);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e, e);
        }
    }

    /** A model and the name of the engine that loaded it. */
    public record Loaded(String engine, LoadedModel model) {}
}
