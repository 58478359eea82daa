package dev.hotserve.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The engines on the class path, and the choice among them by file content, never by name: a
 * {@code .pt} that is really ONNX still loads. Only the engines that recognise the file's first
 * bytes are tried, so a corrupt ONNX file does not start libtorch (seconds and a hundred MiB);
 * a file no engine recognises is offered to every engine. When none can read the file, one
 * error names the file and every engine's reason.
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
        return new Engines(ServiceLoader.load(Engine.class, loader).stream().map(ServiceLoader.Provider::get).toList());
    }

    /** {@link #discover(ClassLoader)} with this class's loader. */
    public static Engines discover() {
        return discover(Engines.class.getClassLoader());
    }

    public List<Engine> all() {
        return engines;
    }

    /** Loads {@code file} with the first engine that can, among those that recognise it. */
    public Loaded load(Path file, LoadOptions options) throws ModelLoadException {
        if (engines.isEmpty()) {
            throw new ModelLoadException("no engine on the class path can load " + file
                    + " (add hotserve-engine-onnx or hotserve-engine-torch)");
        }
        byte[] head = head(file);
        if (head.length == 0) {
            throw new ModelLoadException(file + " is empty");
        }
        List<Engine> recognising = engines.stream().filter(e -> e.recognizes(head)).toList();
        List<Engine> tried = recognising.isEmpty() ? engines : recognising;
        StringBuilder reasons = new StringBuilder();
        ModelLoadException first = null;
        for (Engine e : tried) {
            try {
                return new Loaded(e.name(), e.load(file, options));
            } catch (ModelLoadException ex) {
                if (first == null) {
                    first = ex;
                }
                reasons.append(reasons.isEmpty() ? "" : "; ").append(e.name()).append(": ").append(ex.getMessage());
            }
        }
        for (Engine e : engines) {
            if (!tried.contains(e)) {
                reasons.append("; ").append(e.name()).append(": not its format (the file's first bytes say otherwise)");
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
