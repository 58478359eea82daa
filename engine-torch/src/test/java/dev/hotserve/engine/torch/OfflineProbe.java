package dev.hotserve.engine.torch;

import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import java.nio.file.Path;

/**
 * Main class of the child JVM started by {@link TorchScriptOfflineTest}: records every network
 * attempt, then starts libtorch and loads, runs and closes one model, and prints what happened.
 */
public final class OfflineProbe {

    private OfflineProbe() {}

    public static void main(String[] args) throws Exception {
        NetworkRecorder.refuseAndRecordSockets();
        // Make sure the DNS recorder is the JDK's resolver before anything resolves a name.
        java.net.InetAddress.getByName("127.0.0.1");
        TorchScriptEngine engine = new TorchScriptEngine();
        try (LoadedModel model = engine.load(Path.of(args[0]), LoadOptions.defaults().withStateDim(28))) {
            System.out.println("outputs=" + model.run(new float[28], 1).length);
        }
        System.out.println("ai.djl.offline=" + System.getProperty("ai.djl.offline"));
        System.out.println("attempts=" + NetworkRecorder.ATTEMPTS);
    }
}
