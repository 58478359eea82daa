package dev.hotserve.server.config;

import java.time.Duration;

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

    public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;
    public static final int DEFAULT_MAX_BATCH_ROWS = 8192;
    public static final int DEFAULT_MAX_BENCHMARK_ITERATIONS = 10_000;
    /** 64 MiB of FP32: far above any policy's input, far below what would strain the heap. */
    public static final int DEFAULT_MAX_TENSOR_ELEMENTS = 16 * 1024 * 1024;
    public static final int DEFAULT_MAX_INPUTS = 1024;
    public static final int DEFAULT_MAX_LOAD_BODY_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_URL_BYTES = 4096;
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    /** Tomcat's and Jetty's figure; real clients send a dozen. */
    public static final int DEFAULT_MAX_HEADERS = 100;
    /** 8 MiB in chunks of 128 bytes: any real streaming client, but not Triton's CVE-2025-23310 flood. */
    public static final int DEFAULT_MAX_BODY_CHUNKS = 65_536;
    /** nginx's keepalive_timeout is 75 s; a load balancer's pool reuses a connection well within it. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_EVENT_STREAMS = 64;

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

    public static Limits defaults() {
        return new Limits(DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_BATCH_ROWS, DEFAULT_MAX_BENCHMARK_ITERATIONS, DEFAULT_MAX_TENSOR_ELEMENTS,
                DEFAULT_MAX_INPUTS, DEFAULT_MAX_LOAD_BODY_BYTES, DEFAULT_MAX_URL_BYTES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS,
                DEFAULT_MAX_BODY_CHUNKS, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_EVENT_STREAMS);
    }

    /** The streams one remote address may hold, so that no one client can take every slot. */
    public int maxEventStreamsPerClient() {
        return Math.max(1, maxEventStreams / 8);
    }
}
