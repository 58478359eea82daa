package dev.hotserve.core;

import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.ModelLoadException;
import java.nio.file.Path;

/**
 * Turns a checkpoint file into a loaded model. The default is {@code Engines.discover()::load}
 * (the engine chosen by the file's content); tests pass a fake.
 */
@FunctionalInterface
public interface ModelLoader {
    Engines.Loaded load(Path file, LoadOptions options) throws ModelLoadException;
}
