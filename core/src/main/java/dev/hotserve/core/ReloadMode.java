package dev.hotserve.core;

/** Where loads of a newer checkpoint run. */
public enum ReloadMode {
    /**
     * The request that notices a newer complete file loads it (others wait for that one load) and
     * is answered by it: a request that arrives after a newer file is complete on disk is answered
     * by it. The default, the seed's promise.
     */
    BLOCKING,
    /**
     * A newer file is loaded on the executor; requests keep being answered by the serving model
     * meanwhile, so no request waits for a load while a model is serving. Only when nothing is
     * loaded yet does a request wait.
     */
    BACKGROUND
}
