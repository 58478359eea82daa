package dev.hotserve.core.testing;

import dev.hotserve.core.ModelLoader;
import dev.hotserve.engine.Engine;
import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An engine for tests: reads {@link FakeCheckpoint} files, counts load attempts, keeps every model it
 * loaded so a test can check each was closed exactly once, and collects breaches of the core's
 * promises (see {@link FakeModel}).
 *
 * <p>A strict engine (the default) refuses a truncated file, as real engines' parsers usually do; a
 * lenient one loads whatever prefix it finds, so a test can prove the settle window alone keeps a
 * half-written file out.
 */
public final class FakeEngine implements Engine {

    private final boolean strict;
    private final AtomicInteger attempts = new AtomicInteger();
    private final Queue<FakeModel> models = new ConcurrentLinkedQueue<>();
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final Queue<LoadOptions> optionsSeen = new ConcurrentLinkedQueue<>();
    private volatile Consumer<Path> duringLoad = p -> {};
    private volatile Runnable duringRun = () -> {};

    private FakeEngine(boolean strict) {
        this.strict = strict;
    }

    public static FakeEngine strict() {
        return new FakeEngine(true);
    }

    public static FakeEngine lenient() {
        return new FakeEngine(false);
    }

    /** The loader to pass to {@code HotModelBuilder.loader}. */
    public ModelLoader loader() {
        return (file, options) -> new Engines.Loaded(name(), load(file, options));
    }

    /** Runs inside every load, after the file is parsed: lets a test hold a load in progress. */
    public void duringLoad(Consumer<Path> hook) {
        this.duringLoad = hook;
    }

    /** Runs at the start of every model's {@code run}: lets a test hold engine calls. */
    public void duringRun(Runnable hook) {
        this.duringRun = hook;
    }

    /** Load attempts so far, failed ones included. */
    public int attempts() {
        return attempts.get();
    }

    /** Every model loaded so far, in load order. */
    public List<FakeModel> models() {
        return new ArrayList<>(models);
    }

    /** Breaches of the core's promises; empty when all is well. */
    public List<String> violations() {
        return new ArrayList<>(violations);
    }

    public List<LoadOptions> optionsSeen() {
        return new ArrayList<>(optionsSeen);
    }

    /** Models not closed yet. */
    public List<FakeModel> open() {
        return models.stream().filter(m -> m.closeCount() == 0).toList();
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public boolean recognizes(byte[] head) {
        return new String(head, StandardCharsets.US_ASCII).startsWith(FakeCheckpoint.MAGIC);
    }

    @Override
    public LoadedModel load(Path file, LoadOptions options) throws ModelLoadException {
        attempts.incrementAndGet();
        optionsSeen.add(options);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e, e);
        }
        int nl = indexOf(bytes, (byte) '\n');
        String text = new String(bytes, 0, nl < 0 ? Math.min(bytes.length, 200) : nl, StandardCharsets.US_ASCII);
        if (nl < 0 || !text.startsWith(FakeCheckpoint.MAGIC + " ")) {
            throw new ModelLoadException(file + " is not a fake checkpoint (header '" + text.strip() + "')");
        }
        Map<String, String> h = new HashMap<>();
        for (String part : text.substring(FakeCheckpoint.MAGIC.length()).trim().split(" ")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new ModelLoadException(file + ": malformed header field '" + part + "'");
            }
            h.put(kv[0], kv[1]);
        }
        try {
            int stateDim = Integer.parseInt(h.get("state"));
            int actionDim = Integer.parseInt(h.get("action"));
            float bias = Float.parseFloat(h.get("bias"));
            boolean nan = Boolean.parseBoolean(h.get("nan"));
            float gain = Float.parseFloat(h.getOrDefault("gain", "1"));
            long payload = Long.parseLong(h.get("payload"));
            long have = bytes.length - (nl + 1L);
            if (strict && have != payload) {
                throw new ModelLoadException(file + " is truncated: " + have + " of " + payload + " payload bytes");
            }
            duringLoad.accept(file);
            FakeModel m = new FakeModel(file, stateDim, actionDim, bias, gain, nan, violations, () -> duringRun.run(),
                    options.optimizeNow());
            models.add(m);
            return m;
        } catch (NullPointerException | NumberFormatException e) {
            throw new ModelLoadException(file + ": bad fake header '" + text + "': " + e, e);
        }
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
