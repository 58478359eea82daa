package dev.hotserve.server.http;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelStatus;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.NoModelException;
import dev.hotserve.core.UnknownGenerationException;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.http.JsonCodec.BatchRequest;
import dev.hotserve.server.http.JsonCodec.BenchmarkRequest;
import dev.hotserve.server.http.JsonCodec.BenchmarkResult;
import dev.hotserve.server.http.JsonCodec.PredictRequest;
import io.helidon.webserver.http.ServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The routes of one model (SPEC §5). Each takes a lease for the whole request, so the answer,
 * its body fields and its {@code X-Model-*} headers all come from the one version that ran.
 */
final class ModelRoutes {

    static final io.helidon.http.HeaderName ROUTING_KEY = io.helidon.http.HeaderNames.create("X-Routing-Key");


    private final HotModel model;
    private final JsonCodec codec;
    private final Limits limits;

    ModelRoutes(HotModel model, JsonCodec codec, Limits limits) {
        this.model = model;
        this.codec = codec;
        this.limits = limits;
    }

    /** 200 whether or not a model is loaded: the body says which ({@code "loaded"}). Never loads. */
    Reply health(ServerRequest req) {
        ModelVersion v = model.current().orElse(null);
        return Reply.json(200, codec.health(model.name(), v), v);
    }

    /** Runs the freshness check first, so info names the file a predict would use now. */
    Reply info(ServerRequest req) {
        String detail = null;
        try {
            // Taken only for its freshness check (and load); the status below reads what serves after it.
            model.acquire().close();
        } catch (NoModelException e) {
            detail = e.getMessage();
        }
        return infoReply(model.status(), detail);
    }

    Reply predict(ServerRequest req) {
        byte[] body = RequestBody.read(req, limits.maxBodyBytes());
        try (Lease lease = model.acquire(routingKey(req))) {
            ModelVersion v = lease.version();
            try {
                PredictRequest p = codec.parsePredict(body, lease.stateDim());
                RandomGenerator rng = p.seed().isPresent() ? new SplittableRandom(p.seed().getAsLong()) : null;
                long t0 = System.nanoTime();
                float[] action = lease.predict(p.state(), p.deterministic(), rng);
                double latencyMs = (System.nanoTime() - t0) / 1e6;
                requireFinite(action);
                return Reply.json(200, codec.predict(action, lease.actionDim(), v, latencyMs), v);
            } catch (HttpError e) {
                throw e.naming(v);
            }
        }
    }

    Reply predictBatch(ServerRequest req) {
        byte[] body = RequestBody.read(req, limits.maxBodyBytes());
        try (Lease lease = model.acquire(routingKey(req))) {
            ModelVersion v = lease.version();
            try {
                BatchRequest b = codec.parseBatch(body, lease.stateDim(), limits.maxBatchRows());
                RandomGenerator rng = b.seed().isPresent() ? new SplittableRandom(b.seed().getAsLong()) : null;
                long t0 = System.nanoTime();
                float[] actions = lease.predictBatch(b.rows(), b.rowCount(), b.deterministic(), rng);
                double latencyMs = (System.nanoTime() - t0) / 1e6;
                requireFinite(actions);
                return Reply.json(200, codec.predictBatch(actions, b.rowCount(), lease.actionDim(), v, latencyMs), v);
            } catch (HttpError e) {
                throw e.naming(v);
            }
        }
    }

    Reply benchmark(ServerRequest req) {
        BenchmarkRequest b = codec.parseBenchmark(RequestBody.read(req, limits.maxBodyBytes()), limits);
        try (Lease lease = model.acquire()) {
            List<BenchmarkResult> results = new ArrayList<>(b.batchSizes().length);
            for (int size : b.batchSizes()) {
                results.add(Benchmark.run(lease, size, b.iterations(), b.warmup()));
            }
            return Reply.json(200, codec.benchmark(lease.version(), b, results), lease.version());
        }
    }

    Reply reload(ServerRequest req) {
        model.reload();
        return infoReply(model.status(), null);
    }

    Reply rollback(ServerRequest req) {
        long generation = codec.parseRollback(RequestBody.read(req, limits.maxBodyBytes()));
        try {
            model.rollback(generation);
        } catch (UnknownGenerationException e) {
            throw HttpError.notFound(e.getMessage());
        }
        return infoReply(model.status(), null);
    }

    Reply unpin(ServerRequest req) {
        return infoReply(model.unpin(), "no model is loaded yet");
    }

    Reply history(ServerRequest req) {
        return Reply.json(200, codec.history(model.history()), model.current().orElse(null));
    }

    Reply events(ServerRequest req) {
        return Reply.json(200, codec.events(model.events()), model.current().orElse(null));
    }

    /** 200 with the info when a model is loaded; 503 with the same fields and a detail when not. */
    /** SPEC §11: during a canary the same key always lands on the same version. */
    private static String routingKey(ServerRequest req) {
        return req.headers().first(ROUTING_KEY).orElse(null);
    }

    Reply promote(ServerRequest req) {
        model.promote();
        return infoReply(model.status(), null);
    }

    Reply reject(ServerRequest req) {
        model.reject();
        return infoReply(model.status(), null);
    }

    private Reply infoReply(ModelStatus s, String detailWhenNone) {
        ModelVersion v = s.current().orElse(null);
        String detail = detailWhenNone != null ? detailWhenNone
                : s.lastError().map(f -> "no model is loaded; last error: " + f.path() + ": " + f.reason()).orElse("no model is loaded");
        return Reply.json(v == null ? 503 : 200, codec.info(s, model.rolloutPolicy(), detail), v);
    }

    /** A non-finite action cannot be written as JSON, and it is the model's fault, not the request's. */
    private static void requireFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw HttpError.serverError("the model produced a non-finite action (" + values[i] + ") at index " + i);
            }
        }
    }
}
