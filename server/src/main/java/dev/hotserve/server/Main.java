package dev.hotserve.server;

import dev.hotserve.server.config.ConfigException;
import dev.hotserve.server.config.ConfigLoader;
import dev.hotserve.server.config.ServerConfig;
import dev.hotserve.server.config.Setting;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hotserve serve [flags]}: the command line. Flags override environment variables, which override the config file. */
@Command(name = "hotserve", mixinStandardHelpOptions = true, version = "hotserve 0.1.0",
        description = "Serves ONNX and TorchScript models over HTTP and hot-reloads newer checkpoints.",
        subcommands = {Main.Serve.class, SigningCommands.Sign.class, SigningCommands.Verify.class, StartupTraining.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // logging.properties from the class path: one line per record, INFO and up.
        io.helidon.logging.common.LogConfig.configureRuntime();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Starts the server and blocks until SIGTERM / SIGINT, which drain and close it. Its flags are
     * the rows of {@link Setting} that have one, added by {@link SettingOptions}.
     */
    @Command(name = "serve", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.class,
            description = "Start the server. Every flag has an environment variable (shown) that it overrides.")
    static final class Serve implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            ServerConfig cfg;
            try {
                cfg = ConfigLoader.load(SettingOptions.given(spec), System.getenv(), Path.of("").toAbsolutePath());
            } catch (ConfigException e) {
                System.err.println("hotserve: configuration error: " + e.getMessage());
                return 2;
            }
            HotserveServer server;
            try {
                server = HotserveServer.start(cfg);
            } catch (HotserveServer.ServerStartException | UncheckedIOException e) {
                System.err.println("hotserve: " + e.getMessage());
                return 1;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // java.util.logging resets its handlers in its own shutdown hook, which runs
                // concurrently with this one: these two lines go straight to stderr so they always show.
                System.err.println("hotserve: stopping: refusing new requests, draining in-flight ones");
                server.stop();
                System.err.println("hotserve: stopped; every model closed");
                stopped.countDown();
            }, "hotserve-shutdown"));
            stopped.await();
            return 0;
        }
    }

    /**
     * Adds one option per {@link Setting} with a flag to the command it transforms: a string, parsed
     * later by the setting's own parser so that a bad value is refused with the same message
     * whatever its origin. Public with a public constructor: picocli instantiates it.
     */
    public static final class SettingOptions implements CommandLine.IModelTransformer {

        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            for (Setting s : Setting.values()) {
                if (s.flag() != null) {
                    spec.addOption(CommandLine.Model.OptionSpec.builder(s.flag())
                            .type(String.class)
                            .paramLabel(s.paramLabel() != null ? s.paramLabel() : "<" + camelCase(s.flag()) + ">")
                            .description(s.description())
                            .build());
                }
            }
            return spec;
        }

        /** The values given on this command line, by setting. */
        static Map<Setting, String> given(CommandLine.Model.CommandSpec spec) {
            Map<Setting, String> out = new EnumMap<>(Setting.class);
            for (Setting s : Setting.values()) {
                CommandLine.Model.OptionSpec o = s.flag() == null ? null : spec.findOption(s.flag());
                if (o != null && o.getValue() != null) {
                    out.put(s, o.getValue());
                }
            }
            return out;
        }

        /** {@code --max-batch-size} to {@code maxBatchSize}: the label picocli gave the hand-written fields. */
        private static String camelCase(String flag) {
            StringBuilder b = new StringBuilder();
            boolean up = false;
            for (char c : flag.substring(2).toCharArray()) {
                if (c == '-') {
                    up = true;
                } else {
                    b.append(up ? Character.toUpperCase(c) : c);
                    up = false;
                }
            }
            return b.toString();
        }
    }
}
