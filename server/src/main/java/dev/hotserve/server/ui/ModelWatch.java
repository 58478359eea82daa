package dev.hotserve.server.ui;

import dev.hotserve.core.HotModel;

/** One model the feed follows: its figures of the last minutes, and what was last published of it. */
final class ModelWatch {

    final HotModel model;
    final MetricsRing ring;
    /** Whether the model batches, as last sampled (the charts of batch figures come and go with it). */
    volatile boolean batching;
    /** The info last published ({@code model} or {@code info} event); the feed's thread only. */
    byte[] lastInfo;

    ModelWatch(HotModel model, int samples) {
        this.model = model;
        this.ring = new MetricsRing(samples);
    }

    String name() {
        return model.name();
    }
}
