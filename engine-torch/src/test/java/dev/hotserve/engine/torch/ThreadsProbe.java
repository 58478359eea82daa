package dev.hotserve.engine.torch;

import ai.djl.pytorch.jni.JniUtils;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Main class of the child JVM started by {@link TorchScriptThreadsTest}: the first load in a fresh
 * process, with {@code threads} from the command line, then what libtorch itself reports.
 */
public final class ThreadsProbe {

    private ThreadsProbe() {}

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[1]);
        TorchScriptEngine engine = new TorchScriptEngine();
        try (LoadedModel model = engine.load(Path.of(args[0]), new LoadOptions(false, threads, OptionalInt.of(28)))) {
            System.out.println("outputs=" + model.run(new float[28], 1).length);
            // at::get_num_threads / get_num_interop_threads, asked of libtorch through DJL's JNI.
            System.out.println("torch_num_threads=" + JniUtils.getNumThreads());
            System.out.println("torch_num_interop_threads=" + JniUtils.getNumInteropThreads());
        }
    }
}
