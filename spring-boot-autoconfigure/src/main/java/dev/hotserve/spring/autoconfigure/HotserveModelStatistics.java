package dev.hotserve.spring.autoconfigure;

import dev.hotserve.batch.BatchObserver;
import dev.hotserve.server.inference.Statistics;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Triton's statistics of each model the application's REST routes serve, made before the model is
 * built so its batchers count into the same statistics that {@code /v2/models/{m}/stats} reads.
 */
public class HotserveModelStatistics implements HotModelBatchObservers {

    private final ConcurrentHashMap<String, Statistics> byModel = new ConcurrentHashMap<>();

    /** The statistics of the model {@code name}, made on first use. */
    public Statistics of(String name) {
        return byModel.computeIfAbsent(name, n -> Statistics.create());
    }

    @Override
    public BatchObserver forModel(String name) {
        return of(name).batchObserver();
    }
}
