package dev.hotserve.server.http;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelStatus;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.NoModelException;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.codec.AdminJson;
import dev.hotserve.server.codec.AdminJson.BenchmarkRequest;
import dev.hotserve.server.codec.AdminJson.BenchmarkResult;
import dev.hotserve.server.codec.JsonKit;
import dev.hotserve.server.codec.NativeJson;
import dev.hotserve.server.codec.NativeJson.BatchRequest;
import dev.hotserve.server.codec.NativeJson.PredictRequest;
import dev.hotserve.server.codec.StatusJson;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.InferRequest;
import dev.hotserve.server.inference.InferResult;
import dev.hotserve.server.inference.ModelRegistry;
import dev.hotserve.server.inference.ServedModel;
import dev.hotserve.server.inference.UnencodableOutputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The native routes of every model, {@code /<name>/...}. The model is looked up in the
 * registry on each request, so models loaded or unloaded at run time gain or lose their routes at
 * once. Predictions go through the {@link Dispatcher} like every other front end; each takes a
 * lease for the whole request, so the answer, its body fields and its {@code X-Model-*} headers all
 * come from the one version that ran.
 */
final class ModelRoutes {

    private final ModelRegistry registry;
    private final Dispatcher dispatcher;
    private final NativeJson codec;
    private final AdminJson admin;
    private final StatusJson status;
    private final Limits limits;

    ModelRoutes(Dispatcher dispatcher, JsonKit json) {
        this.registry = dispatcher.registry();
        this.dispatcher = dispatcher;
        this.codec = new NativeJson(json);
        this.admin = new AdminJson(json);
        this.status = new StatusJson(json);
        this.limits = dispatcher.limits();
    }

    /** 200 whether or not a model is loaded: the body says which ({@code "loaded"}). Never loads. */
    Reply health(RouteRequest req) {
        try (ServedModel.Use use = registry.use(req.model())) {
            ModelVersion v = use.model().current().orElse(null);
            return Reply.json(200, status.health(use.model().name(), v), v);
        }
    }

    /** Runs the freshness check first, so info names the file a predict would use now. */
    Reply info(RouteRequest req) {
        try (ServedModel.Use use = registry.use(req.model())) {
            String detail = null;
            try {
                // Taken only for its freshness check (and load); the status below reads what serves after it.
                use.model().acquire().close();
            } catch (NoModelException e) {
                detail = e.getMessage();
            }
            return infoReply(use.model(), use.model().status(), detail);
        }
    }

    Reply predict(RouteRequest req) {
        byte[] body = req.body();
        return dispatcher.infer(req.model(), Optional.empty(), req.routingKey(), lease -> {
            int width = rowWidth(lease, req.model());
            PredictRequest p = codec.parsePredict(body, width);
            return InferRequest.actions(Tensor.rows(lease.signature().inputName(), p.state(), 1, width), p.deterministic(), p.seed());
        }, r -> {
            float[] action = actions(r);
            return Reply.json(200, codec.predict(action, action.length, r.version(), r.mtimeText(), r.latencyMs()), r.version());
        });
    }

    Reply predictBatch(RouteRequest req) {
        byte[] body = req.body();
        return dispatcher.infer(req.model(), Optional.empty(), req.routingKey(), lease -> {
            int width = rowWidth(lease, req.model());
            BatchRequest b = codec.parseBatch(body, width, limits.maxBatchRows());
            return InferRequest.actions(Tensor.rows(lease.signature().inputName(), b.rows(), b.rowCount(), width), b.deterministic(),
                    b.seed());
        }, r -> {
            float[] actions = actions(r);
            int rows = (int) r.output(InferRequest.ACTION).dim(0);
            return Reply.json(200, codec.predictBatch(actions, rows, actions.length / rows, r.version(), r.mtimeText(), r.latencyMs()),
                    r.version());
        });
    }

    /** The native API predicts from rows of a state: a model that takes anything else is asked for with named tensors. */
    private static int rowWidth(Lease lease, String model) {
        if (!lease.signature().isRowModel()) {
            throw new InvalidInputException("state", "model '" + model + "' takes named tensors ("
                    + dev.hotserve.engine.ModelSignature.describe(lease.signature().inputs()) + "), not rows of a state; use POST /v2/models/"
                    + model + "/infer");
        }
        return lease.stateDim();
    }

    Reply benchmark(RouteRequest req) {
        BenchmarkRequest b = admin.parseBenchmark(req.body(), limits);
        try (ServedModel.Use use = registry.use(req.model()); Lease lease = use.model().acquire()) {
            rowWidth(lease, use.served().name());
            List<BenchmarkResult> results = new ArrayList<>(b.batchSizes().length);
            for (int size : b.batchSizes()) {
                results.add(Benchmark.run(lease, size, b.iterations(), b.warmup()));
            }
            return Reply.json(200, admin.benchmark(lease.version(), b, results), lease.version());
        }
    }

    Reply reload(RouteRequest req) {
        try (ServedModel.Use use = registry.use(req.model())) {
            use.model().reload();
            return infoReply(use.model(), use.model().status(), null);
        }
    }

    Reply rollback(RouteRequest req) {
        long generation = admin.parseRollback(req.body());
        try (ServedModel.Use use = registry.use(req.model())) {
            HotModel model = use.model();
            model.rollback(generation); // an unknown generation: UnknownGenerationException, 404
            return infoReply(model, model.status(), null);
        }
    }

    Reply promote(RouteRequest req) {
        try (ServedModel.Use use = registry.use(req.model())) {
            use.model().promote();
            return infoReply(use.model(), use.model().status(), null);
        }
    }

    Reply reject(RouteRequest req) {
        try (ServedModel.Use use = registry.use(req.model())) {
            use.model().reject();
            return infoReply(use.model(), use.model().status(), null);
        }
    }

    Reply unpin(RouteRequest req) {
        try (ServedModel.Use use = registry.use(req.model())) {
            return infoReply(use.model(), use.model().unpin(), "no model is loaded yet");
        }
    }

    Reply history(RouteRequest req) {
        try (ServedModel.Use use = registry.use(req.model())) {
            return Reply.json(200, status.history(use.model().history()), use.model().current().orElse(null));
        }
    }

    Reply events(RouteRequest req) {
        try (ServedModel.Use use = registry.use(req.model())) {
            return Reply.json(200, status.events(use.model().events()), use.model().current().orElse(null));
        }
    }

    /** 200 with the info when a model is loaded; 503 with the same fields and a detail when not. */
    private Reply infoReply(HotModel model, ModelStatus s, String detailWhenNone) {
        ModelVersion v = s.current().orElse(null);
        String detail = detailWhenNone != null ? detailWhenNone : StatusJson.noModelDetail(s);
        return Reply.json(v == null ? 503 : 200, status.info(s, model.rolloutPolicy(), detail), v);
    }

    /** The action values; a non-finite action cannot be written as JSON ({@link UnencodableOutputException}: Failure decides the answer). */
    private static float[] actions(InferResult r) {
        float[] values = r.output(InferRequest.ACTION).floats();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new UnencodableOutputException("the model produced a non-finite action (" + values[i] + ") at index " + i);
            }
        }
        return values;
    }
}
