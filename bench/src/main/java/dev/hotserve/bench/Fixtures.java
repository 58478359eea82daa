package dev.hotserve.bench;

import dev.hotserve.engine.Engine;
import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** The committed SAC fixtures and the engines, as the benchmarks use them. */
final class Fixtures {

    /** SAC actor input width (fixtures/README.md). */
    static final int STATE_DIM = 28;

    private Fixtures() {}

    /** {@code -Dhotserve.fixtures} (bench/run sets it), else {@code fixtures/sac} under the working directory. */
    static Path dir() {
        Path p = Path.of(System.getProperty("hotserve.fixtures", "fixtures/sac"));
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("fixtures not found at " + p.toAbsolutePath()
                    + "; run from the repository root or pass -Dhotserve.fixtures=<repo>/fixtures/sac");
        }
        return p;
    }

    /** actor_seed0 in the engine's format: {@code .onnx} for onnx, {@code .pt} for torchscript. */
    static Path actor(String engine, int seed) {
        return dir().resolve("actor_seed" + seed + (engine.equals("onnx") ? ".onnx" : ".pt"));
    }

    static Engine engine(String name) {
        for (Engine e : Engines.discover().all()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalStateException("no engine named '" + name + "' on the class path; found "
                + Engines.discover().all().stream().map(Engine::name).toList());
    }

    /** One intra-op thread (DESIGN: best for this model size on 2 cores) and the fixture's width. */
    static LoadOptions options(boolean optimize) {
        return LoadOptions.defaults().withOptimize(optimize).withStateDim(STATE_DIM);
    }

    /** Fixed-seed normal states, row-major: every run feeds the same numbers. */
    static float[] states(int rows) {
        SplittableRandom rng = new SplittableRandom(42);
        float[] x = new float[rows * STATE_DIM];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextDouble(-2, 2));
        }
        return x;
    }
}
