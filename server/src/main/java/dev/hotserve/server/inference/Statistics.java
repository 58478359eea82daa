package dev.hotserve.server.inference;

import dev.hotserve.batch.BatchObserver;
import dev.hotserve.core.ModelVersion;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One model's inference statistics, per version, as Triton's statistics extension reports them:
 * success and failure counts with their cumulative durations, where the time of the successes
 * went (queue, input, engine, output), and the engine calls by batch size. Transport-neutral:
 * REST writes a {@link Snapshot} as JSON, gRPC as {@code ModelStatistics}.
 *
 * <p><b>Who counts what.</b> The {@link Dispatcher} counts every request that reached a version:
 * its outcome, its total time from the version's lease to the encoded answer, preparing the inputs
 * (parsing against the signature, the checks; everything but the engine and the encoding) and
 * encoding the answer. Where a version has no batcher, each request is one engine call, so the
 * dispatcher counts its engine time too, and its execution, its queue (none: zero nanoseconds) and
 * its batch of size 1 (Triton's convention for a model with {@code max_batch_size} 0) are read
 * from its successes. Where a version
 * batches, the engine time is the batch's, and only the batcher knows it: its
 * {@link #batchObserver} counts the wait of each request in the queue, the engine call once per
 * batch and once per request in it, and the batch by its rows. A model built elsewhere (an
 * application's bean) counts them too when its builder was given {@link #batchObserver} of the
 * statistics its registry holds (the Spring starter does); without that, its batched versions'
 * queue, engine and execution counts stay at zero rather than being guessed.
 *
 * <p><b>Cheap on the hot path.</b> Counters are {@link LongAdder}s (striped: threads of one
 * version do not contend on one cache line); a request costs eight additions and no lock. The
 * dispatcher finds its version's counters through the version text it reads anyway
 * ({@link ServedModel#text}), not through the map.
 *
 * <p><b>Bounded.</b> Counters are kept for the versions a model has loaded: when a request meets a
 * version for the first time, the counters of the versions no longer loaded are dropped (Triton
 * reports loaded versions only). Batch sizes are bounded by the batch and row limits.
 */
public final class Statistics {

    private final InstantSource clock;
    private final ConcurrentHashMap<String, Version> versions = new ConcurrentHashMap<>();

    /** @param clock for {@code last_inference} */
    Statistics(InstantSource clock) {
        this.clock = clock;
    }

    /**
     * The counters of one model built elsewhere (an application's bean): give its builder
     * {@link #batchObserver} and its registry ({@link ModelRegistry#of(Collection, Function)}) this.
     */
    public static Statistics create() {
        return new Statistics(InstantSource.system());
    }

    /** A count and the nanoseconds it took, together: Triton's {@code StatisticDuration}. */
    public record Total(long count, long ns) {
        static final Total ZERO = new Total(0, 0);
    }

    /** The engine calls of one batch size. */
    public record BatchSize(long batchSize, Total computeInput, Total computeInfer, Total computeOutput) {}

    /**
     * What one version counted, read at one moment (each counter exactly; the counters together
     * only as a request that was being counted left them).
     *
     * @param lastInferenceMs when its last request ended, ms since the epoch (0: none yet)
     * @param inferenceCount the rows of its successful requests where the version batches (the
     *     batch dimension, as Triton counts a model with a {@code max_batch_size}), else its requests
     */
    public record Snapshot(String model, String version, long lastInferenceMs, long inferenceCount, long executionCount, Total success,
            Total fail, Total queue, Total computeInput, Total computeInfer, Total computeOutput, List<BatchSize> batches) {
        public Snapshot {
            batches = List.copyOf(batches);
        }
    }

    private static final class Duration {
        final LongAdder count = new LongAdder();
        final LongAdder ns = new LongAdder();

        void add(long nanos) {
            count.increment();
            ns.add(nanos);
        }

        void add(long times, long nanos) {
            count.add(times);
            ns.add(nanos);
        }

        Total read() {
            return new Total(count.sum(), ns.sum());
        }
    }

    private static final class Batch {
        final Duration input = new Duration();
        final Duration infer = new Duration();
        final Duration output = new Duration();
    }

    /** The counters of one version. */
    public final class Version {
        private final Duration success = new Duration();
        private final Duration fail = new Duration();
        private final Duration queue = new Duration();
        private final Duration computeInput = new Duration();
        private final Duration computeInfer = new Duration();
        private final Duration computeOutput = new Duration();
        private final LongAdder inferences = new LongAdder();
        private final LongAdder executions = new LongAdder();
        private final LongAccumulator lastInference = new LongAccumulator(Math::max, 0);
        private final ConcurrentHashMap<Long, Batch> batches = new ConcurrentHashMap<>();
        /**
         * Whether the version runs its requests itself, one engine call each (it has no batcher).
         * Then its executions, inferences, queue and batch of 1 are its successes and their
         * timings, read from those rather than counted again on every request.
         */
        private volatile boolean unbatched;

        private Version() {}

        /**
         * A request answered: nanosecond readings of {@link System#nanoTime} at its start (the
         * version leased), after its result (engine included) and after its encoding.
         *
         * @param batched whether the version's batcher ran it (and so counts its engine call)
         * @param rows its batch dimension (counted where the version batches)
         * @param engineNanos the engine's part (and the policy head's) between start and result
         */
        void succeeded(boolean batched, long rows, long start, long result, long engineNanos, long end) {
            long input = Math.max(0, result - start - engineNanos);
            long output = end - result;
            success.add(end - start);
            computeInput.add(input);
            computeOutput.add(output);
            if (batched) {
                inferences.add(rows);
            } else {
                if (!unbatched) { // read first: no shared write on every request
                    unbatched = true;
                }
                computeInfer.add(engineNanos);
            }
            lastInference.accumulate(clock.millis());
        }

        /** A request refused or failed once the version was leased, after {@code nanos}. */
        void failed(long nanos) {
            fail.add(nanos);
            lastInference.accumulate(clock.millis());
        }

        /** One engine call of this version's batcher (see {@link BatchObserver#executed}). */
        void executed(int requests, int rows, long queuedNanos, long inputNanos, long inferNanos, long outputNanos) {
            executions.increment();
            queue.add(requests, queuedNanos);
            computeInfer.add(requests, inferNanos * requests);
            Batch b = batches.computeIfAbsent((long) rows, size -> new Batch());
            b.input.add(inputNanos);
            b.infer.add(inferNanos);
            b.output.add(outputNanos);
        }

        private Snapshot read(String model, String version) {
            Total succeeded = success.read();
            Total input = computeInput.read();
            Total infer = computeInfer.read();
            Total output = computeOutput.read();
            if (unbatched) { // each success was one engine call, a batch of 1 that never queued
                List<BatchSize> one = succeeded.count() == 0 ? List.of() : List.of(new BatchSize(1, input, infer, output));
                return new Snapshot(model, version, lastInference.get(), succeeded.count(), succeeded.count(), succeeded, fail.read(),
                        new Total(succeeded.count(), 0), input, infer, output, one);
            }
            List<BatchSize> sizes = new ArrayList<>();
            batches.forEach((size, b) -> {
                Total batchInfer = b.infer.read();
                if (batchInfer.count() > 0) {
                    sizes.add(new BatchSize(size, b.input.read(), batchInfer, b.output.read()));
                }
            });
            sizes.sort(Comparator.comparingLong(BatchSize::batchSize));
            return new Snapshot(model, version, lastInference.get(), inferences.sum(), executions.sum(), succeeded, fail.read(),
                    queue.read(), input, infer, output, sizes);
        }
    }

    /** The counters of the version of that name, made on first use. */
    Version version(String name) {
        return versions.computeIfAbsent(name, n -> new Version());
    }

    /**
     * The counters of a version a request is about to use. A version met for the first time is
     * one newly loaded: the counters of versions no longer loaded are dropped then (rarely, and
     * never on a canary's alternation between two versions both counted already).
     */
    Version meet(String name, Supplier<Collection<String>> loaded) {
        Version v = versions.get(name);
        if (v != null) {
            return v;
        }
        versions.keySet().retainAll(loaded.get());
        return version(name);
    }

    /** The version's statistics now; zeros for a version nothing was counted for yet. */
    public Snapshot read(String model, String version) {
        Version v = versions.get(version);
        if (v == null) {
            return new Snapshot(model, version, 0, 0, 0, Total.ZERO, Total.ZERO, Total.ZERO, Total.ZERO, Total.ZERO, Total.ZERO, List.of());
        }
        return v.read(model, version);
    }

    /**
     * The statistics Triton's extension asks for: of every model (no model named), of one model,
     * or of one of its versions; each model's loaded versions, by name.
     *
     * @throws UnknownModelException or {@link UnknownVersionException} for a name that is not served
     */
    public static List<Snapshot> of(ModelRegistry registry, Optional<String> model, Optional<String> version) {
        if (model.isEmpty()) {
            List<Snapshot> all = new ArrayList<>();
            for (ServedModel m : registry.all()) {
                for (String v : m.loaded(null)) {
                    all.add(m.statistics().read(m.name(), v));
                }
            }
            return all;
        }
        ServedModel m = registry.find(model.get()).orElseThrow(() -> new UnknownModelException(model.get(), registry.names()));
        if (version.isPresent()) {
            String name = Versions.loadedName(m, version.get());
            return List.of(m.statistics().read(m.name(), name));
        }
        return m.loaded(null).stream().map(v -> m.statistics().read(m.name(), v)).toList();
    }

    /** For the model's batchers: each version's engine calls counted under that version's name. */
    public BatchObserver batchObserver() {
        return new BatchObserver() {
            @Override
            public void batched(int requests, int rows, long oldestWaitNanos) {
                // Counted in executed(), with the timings; a failed call is counted as its requests' failures.
            }

            @Override
            public BatchObserver forVersion(ModelVersion v) {
                String name = Versions.name(v);
                return new BatchObserver() {
                    @Override
                    public void batched(int requests, int rows, long oldestWaitNanos) {
                        // As above.
                    }

                    @Override
                    public void executed(int requests, int rows, long queuedNanos, long inputNanos, long inferNanos, long outputNanos) {
                        // Looked up per call (one per batch, not per request): counters dropped meanwhile are made again.
                        version(name).executed(requests, rows, queuedNanos, inputNanos, inferNanos, outputNanos);
                    }
                };
            }
        };
    }
}
