package dev.hotserve.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What one client may ask of the server: each limit is checked before anything is allocated for
 * it, and past it the client gets a 4xx naming the setting (the table in SECURITY.md).
 *
 * @param maxBodyBytes the largest request body read (decoded), and the largest gRPC message
 * @param maxBatchRows the most rows of one batch (and the largest benchmark batch size)
 * @param maxBenchmarkIterations the most timed (and, separately, warm-up) iterations per batch size
 * @param maxTensorElements the most elements of one input tensor, checked on its shape
 * @param maxInputs the most input tensors of one inference request
 * @param maxLoadBodyBytes the largest body of a repository load request (its config entry)
 * @param maxUrlBytes the longest request line (method, path and query)
 * @param maxHeaderBytes the most bytes of all request headers together
 * @param maxHeaders the most request headers
 * @param maxBodyChunks the most chunks of a chunked request body
 * @param idleTimeout how long a keep-alive connection may sit idle before it is closed
 * @param maxEventStreams the most dashboard event streams open at once (one client gets an eighth)
 */
public record Limits(
        long maxBodyBytes,
        int maxBatchRows,
        int maxBenchmarkIterations,
        int maxTensorElements,
        int maxInputs,
        int maxLoadBodyBytes,
        int maxUrlBytes,
        int maxHeaderBytes,
        int maxHeaders,
        int maxBodyChunks,
        Duration idleTimeout,
        int maxEventStreams) {

    public Limits {
        atLeastOne("max body bytes", maxBodyBytes);
        atLeastOne("max batch rows", maxBatchRows);
        atLeastOne("max benchmark iterations", maxBenchmarkIterations);
        atLeastOne("max tensor elements", maxTensorElements);
        atLeastOne("max inputs", maxInputs);
        atLeastOne("max load body bytes", maxLoadBodyBytes);
        atLeastOne("max URL bytes", maxUrlBytes);
        atLeastOne("max header bytes", maxHeaderBytes);
        atLeastOne("max headers", maxHeaders);
        atLeastOne("max body chunks", maxBodyChunks);
        atLeastOne("max event streams", maxEventStreams);
        if (idleTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the idle timeout must be at least 1s, was " + idleTimeout);
        }
    }

    private static void atLeastOne(String what, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, was " + value);
        }
    }

    /** Every limit at its default (the rows of {@link Setting}). */
    public static Limits defaults() {
        Path here = Path.of("").toAbsolutePath();
        try {
            return ConfigLoader.limits(new Sources(Map.of(), Map.of(), here, ConfigFile.none(here)));
        } catch (ConfigException e) {
            throw new IllegalStateException("a default of the settings table does not parse: " + e.getMessage(), e);
        }
    }

    /** The streams one remote address may hold, so that no one client can take every slot. */
    public int maxEventStreamsPerClient() {
        return Math.max(1, maxEventStreams / 8);
    }
}
