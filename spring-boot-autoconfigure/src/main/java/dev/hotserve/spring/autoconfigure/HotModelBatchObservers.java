package dev.hotserve.spring.autoconfigure;

import dev.hotserve.batch.BatchObserver;

/**
 * Who is told about a model's batched engine calls, by model name: {@link HotModelFactory} gives
 * each model's builder the observer found here. With {@code hotserve.web.enabled=true} that is the
 * statistics the REST routes report ({@link HotserveModelStatistics}), so a batched model's queue,
 * engine and execution counts are its real ones.
 */
@FunctionalInterface
public interface HotModelBatchObservers {

    /** The observer of the model {@code name}'s batchers; never null. */
    BatchObserver forModel(String name);
}
