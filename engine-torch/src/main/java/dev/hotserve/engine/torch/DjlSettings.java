package dev.hotserve.engine.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The process-wide switches DJL reads once, when its {@code ai.djl.engine.Engine} class and the
 * PyTorch engine initialise. They are system properties, so they are global state: this class is
 * the one documented exception to "no static mutable state of ours".
 *
 * <p>They are applied only when the user has set neither the property nor (where DJL reads one)
 * the environment variable, so an operator can still override each of them, and only before DJL
 * starts: DJL reads them once, so changing them later would do nothing.
 *
 * <ul>
 *   <li>{@code ai.djl.offline=true}: without it the first touch of DJL's {@code Engine} class calls
 *       home (an HTTP request to the EC2 metadata address, then a telemetry URL) and any missing
 *       native file would be downloaded. DJL also reads the environment variable
 *       {@code DJL_OFFLINE}, which wins over the property, so an explicit {@code DJL_OFFLINE=false}
 *       is honoured.
 *   <li>{@code ai.djl.pytorch.num_threads} (from the first load's {@code LoadOptions.threads},
 *       normally 1) and {@code ai.djl.pytorch.num_interop_threads=1}: libtorch's thread pools are
 *       per process, not per model; one intra-op thread serves small models best and keeps batch 1
 *       from spinning every core.
 *   <li>{@code ai.djl.pytorch.graph_optimizer=false}: the DJL-wide default for the profiling graph
 *       executor. Our models do not rely on it: each call sets the (thread-local) switch from its
 *       own {@code LoadOptions.optimize}.
 * </ul>
 *
 * <p>Natives come from the {@code pytorch-native-cpu} jar on the class path (DJL extracts them to
 * {@code ~/.djl.ai/pytorch/2.7.1-cpu-linux-x86_64/} on first use) and the JNI glue from
 * {@code pytorch-jni}; with both present and offline on, DJL never downloads anything.
 */
final class DjlSettings {

    static final String OFFLINE = "ai.djl.offline";
    static final String OFFLINE_ENV = "DJL_OFFLINE";
    static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
    static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";
    static final String GRAPH_OPTIMIZER = "ai.djl.pytorch.graph_optimizer";

    private DjlSettings() {}

    /**
     * Sets each switch the user has not set. Call before the first use of any DJL class.
     *
     * @return what was set here, for the log
     */
    static synchronized Map<String, String> applyDefaults(int threads) {
        Map<String, String> applied = new LinkedHashMap<>();
        if (System.getenv(OFFLINE_ENV) == null) {
            setIfAbsent(OFFLINE, "true", applied);
        }
        setIfAbsent(NUM_THREADS, Integer.toString(threads), applied);
        setIfAbsent(NUM_INTEROP_THREADS, "1", applied);
        setIfAbsent(GRAPH_OPTIMIZER, "false", applied);
        return applied;
    }

    /** Whether DJL will run offline with the settings as they are now (same rule as DJL's own). */
    static boolean offline() {
        String mode = System.getenv(OFFLINE_ENV);
        if (mode == null) {
            mode = System.getProperty(OFFLINE);
        }
        return mode != null ? Boolean.parseBoolean(mode) : Boolean.getBoolean("offline");
    }

    private static void setIfAbsent(String key, String value, Map<String, String> applied) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
            applied.put(key, value);
        }
    }
}
