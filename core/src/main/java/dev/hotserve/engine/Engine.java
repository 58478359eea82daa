package dev.hotserve.engine;

import java.nio.file.Path;

/**
 * A way to turn a checkpoint file into a {@link LoadedModel}. Implementations are found with
 * {@link java.util.ServiceLoader} (see {@link Engines}) and chosen by the file's content, so the
 * core never imports an engine.
 *
 * <p>Implementations must be thread-safe and cheap to construct: the native runtime should be
 * initialised lazily, on the first {@link #load}, so that a server with only ONNX checkpoints
 * never pays for libtorch.
 */
public interface Engine {

    /** Short stable name reported in versions and metrics: {@code "onnx"}, {@code "torchscript"}. */
    String name();

    /**
     * Whether the first bytes of a file look like this engine's format. {@code head} holds up to
     * {@link Engines#HEAD_BYTES} bytes (fewer for a short file, none for an empty one).
     */
    boolean recognizes(byte[] head);

    /**
     * Loads and warms up a model. On failure everything opened so far is closed before the
     * exception leaves. The returned model is owned by the caller, who must close it.
     *
     * @throws ModelLoadException when the file cannot be read as a model of this engine; the
     *     message says why in words a person can act on
     */
    LoadedModel load(Path file, LoadOptions options) throws ModelLoadException;
}
