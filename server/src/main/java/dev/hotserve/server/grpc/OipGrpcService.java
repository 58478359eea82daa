package dev.hotserve.server.grpc;

import dev.hotserve.core.ModelVersion;
import dev.hotserve.engine.TensorSpec;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.server.config.Setting;
import dev.hotserve.server.grpc.oip.DataType;
import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc;
import dev.hotserve.server.grpc.oip.InferBatchStatistics;
import dev.hotserve.server.grpc.oip.InferStatistics;
import dev.hotserve.server.grpc.oip.ModelConfig;
import dev.hotserve.server.grpc.oip.ModelConfigRequest;
import dev.hotserve.server.grpc.oip.ModelConfigResponse;
import dev.hotserve.server.grpc.oip.ModelDynamicBatching;
import dev.hotserve.server.grpc.oip.ModelInput;
import dev.hotserve.server.grpc.oip.ModelOutput;
import dev.hotserve.server.grpc.oip.ModelQueuePolicy;
import dev.hotserve.server.grpc.oip.ModelRepositoryParameter;
import dev.hotserve.server.grpc.oip.ModelStatistics;
import dev.hotserve.server.grpc.oip.ModelStatisticsRequest;
import dev.hotserve.server.grpc.oip.ModelStatisticsResponse;
import dev.hotserve.server.grpc.oip.RepositoryIndexRequest;
import dev.hotserve.server.grpc.oip.RepositoryIndexResponse;
import dev.hotserve.server.grpc.oip.RepositoryModelLoadRequest;
import dev.hotserve.server.grpc.oip.RepositoryModelLoadResponse;
import dev.hotserve.server.grpc.oip.RepositoryModelUnloadRequest;
import dev.hotserve.server.grpc.oip.RepositoryModelUnloadResponse;
import dev.hotserve.server.grpc.oip.StatisticDuration;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.grpc.oip.ModelInferResponse;
import dev.hotserve.server.grpc.oip.ModelStreamInferResponse;
import dev.hotserve.server.grpc.oip.ModelMetadataRequest;
import dev.hotserve.server.grpc.oip.ModelMetadataResponse;
import dev.hotserve.server.grpc.oip.ModelReadyRequest;
import dev.hotserve.server.grpc.oip.ModelReadyResponse;
import dev.hotserve.server.grpc.oip.ServerLiveRequest;
import dev.hotserve.server.grpc.oip.ServerLiveResponse;
import dev.hotserve.server.grpc.oip.ServerMetadataRequest;
import dev.hotserve.server.grpc.oip.ServerMetadataResponse;
import dev.hotserve.server.grpc.oip.ServerReadyRequest;
import dev.hotserve.server.grpc.oip.ServerReadyResponse;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.Failure;
import dev.hotserve.server.inference.Gate;
import dev.hotserve.server.inference.InferRequest;
import dev.hotserve.server.inference.LimitExceededException;
import dev.hotserve.server.inference.ModelConfiguration;
import dev.hotserve.server.inference.ModelMetadata;
import dev.hotserve.server.inference.ModelRegistry;
import dev.hotserve.server.inference.Repository;
import dev.hotserve.server.inference.ServedModel;
import dev.hotserve.server.inference.ServerIdentity;
import dev.hotserve.server.inference.ServerStoppingException;
import dev.hotserve.server.inference.Statistics;
import dev.hotserve.server.inference.Versions;
import dev.hotserve.server.metrics.ServerMetrics;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * {@code inference.GRPCInferenceService}: the six RPCs of the Open Inference Protocol and the
 * methods of Triton's extensions its client calls (streaming inference, model configuration,
 * statistics, the model repository), over the same registry, {@link Dispatcher}, {@link Repository}, version routing and
 * {@link Failure} sorting as REST. Every call is admitted by the server's gate (a stopping server
 * refuses, UNAVAILABLE) and recorded in the request metrics with route {@code grpc:<Method>}.
 *
 * <p>Calls arrive on the Netty event loop that read them ({@link GrpcFrontEnd}) and are answered
 * there when they cannot wait on anything but the engine; a call that may wait is handed to a
 * virtual thread of {@code waiting} first, so the event loop goes on reading the calls of its other
 * connections.
 */
final class OipGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    /** Only the extensions that work over gRPC (binary tensor data is REST's: gRPC has raw contents). */
    static final List<String> EXTENSIONS = List.of("model_repository", "statistics", "model_configuration");

    private final Dispatcher dispatcher;
    private final ModelRegistry registry;
    private final Repository repository;
    private final ServerMetrics metrics;
    private final Gate gate;
    private final Executor waiting;
    private final ToIntFunction<Failure.Kind> metricStatus;

    /** @param metricStatus the request metrics' {@code status} label of a failed call */
    OipGrpcService(Dispatcher dispatcher, Repository repository, ServerMetrics metrics, ToIntFunction<Failure.Kind> metricStatus, Gate gate,
            Executor waiting) {
        this.metricStatus = metricStatus;
        this.dispatcher = dispatcher;
        this.registry = dispatcher.registry();
        this.repository = repository;
        this.metrics = metrics;
        this.gate = gate;
        this.waiting = waiting;
    }

    /** Runs {@code call} on a virtual thread; UNAVAILABLE when the server is past taking any. */
    private void handOff(String method, StreamObserver<?> out, Runnable call) {
        try {
            waiting.execute(call);
        } catch (RejectedExecutionException e) {
            out.onError(GrpcStatus.of(Failure.of(new ServerStoppingException("the server is shutting down"), method)).asRuntimeException());
        }
    }

    /**
     * Whether an infer call on this model may wait for something other than its own engine call,
     * and so must leave the event loop: with dynamic batching a call waits for the batch that other
     * calls fill (the event loop must go on reading them) or for the engine call another request
     * leads; with nothing serving yet, the call may wait out a checkpoint's settle window before
     * its first load. An unknown model fails at once, on the event loop.
     *
     * <p>Not counted as waiting: in blocking reload mode, the call that finds a newer checkpoint
     * loads it (and other calls of that model wait for the load, on whatever thread, by that mode's
     * contract). That load then runs on the event loop, and the other calls of its connections wait
     * for it too.
     */
    private boolean mayWait(String model) {
        ServedModel m = registry.find(model).orElse(null);
        return m != null && (m.model().batching().enabled() || m.model().current().isEmpty());
    }

    /** Runs one unary call through admission, metrics and the error sorting. */
    private <T> void call(String method, String model, StreamObserver<T> out, Supplier<T> body) {
        if (!gate.enter()) {
            out.onError(GrpcStatus.of(Failure.of(new ServerStoppingException("the server is shutting down"), method)).asRuntimeException());
            return;
        }
        long t0 = System.nanoTime();
        metrics.requestStarted();
        int status = 200;
        try {
            T result;
            try {
                result = body.get();
            } catch (RuntimeException e) {
                Failure f = Failure.of(e, "grpc " + method);
                status = metricStatus.applyAsInt(f.kind());
                out.onError(GrpcStatus.of(f).asRuntimeException());
                return;
            }
            out.onNext(result);
            out.onCompleted();
        } finally {
            String label = model != null && registry.find(model).isPresent() ? model : "_server";
            metrics.requestFinished(label, "grpc:" + method, status, System.nanoTime() - t0);
            gate.exit();
        }
    }

    private static Optional<String> version(String v) {
        return v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        call("ServerLive", null, out, () -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        call("ServerReady", null, out, () -> ServerReadyResponse.newBuilder()
                .setReady(registry.ready()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        call("ModelReady", request.getName(), out, () -> {
            try (ServedModel.Use use = registry.use(request.getName())) {
                ModelVersion v = use.model().current().orElse(null);
                if (v == null) {
                    return ModelReadyResponse.newBuilder().setReady(false).build();
                }
                Versions.check(use.served(), v, version(request.getVersion()));
                return ModelReadyResponse.newBuilder().setReady(true).build();
            }
        });
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        call("ServerMetadata", null, out, () -> ServerMetadataResponse.newBuilder().setName(ServerIdentity.NAME).setVersion(ServerIdentity.VERSION)
                .addAllExtensions(EXTENSIONS).build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        // Leases a version, so may load one (blocking reload mode, or nothing serving yet); rare: never on the event loop.
        handOff("ModelMetadata", out, () -> modelMetadataNow(request, out));
    }

    private void modelMetadataNow(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        call("ModelMetadata", request.getName(), out, () -> {
            ModelMetadata m = ModelMetadata.of(registry, request.getName(), version(request.getVersion()));
            ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
                    .setName(m.name())
                    .addAllVersions(m.versions())
                    .setPlatform(m.platform())
                    .putAllProperties(m.parameters());
            m.inputs().forEach(s -> b.addInputs(meta(s)));
            m.outputs().forEach(s -> b.addOutputs(meta(s)));
            return b.build();
        });
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        infer("ModelInfer", request, out);
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
        return new InferStream(out, (request, answer) -> infer("ModelStreamInfer", request, answer));
    }

    private void infer(String method, ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        if (mayWait(request.getModelName())) {
            handOff(method, out, () -> inferNow(method, request, out));
        } else {
            inferNow(method, request, out);
        }
    }

    private void inferNow(String method, ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        GrpcTensors.Contents contents = GrpcTensors.Contents.of(request);
        call(method, request.getModelName(), out, () -> {
            InferRequest req = GrpcTensors.request(request, dispatcher); // first: the parameters carry the routing key
            return dispatcher.infer(request.getModelName(), version(request.getModelVersion()), req.routingKey(), lease -> req,
                    r -> GrpcTensors.response(r, req.id(), contents));
        });
    }

    @Override
    public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
        // Leases a version, as the metadata does: never on the event loop.
        handOff("ModelConfig", out, () -> call("ModelConfig", request.getName(), out, () -> {
            ModelConfiguration c = ModelConfiguration.of(registry, request.getName(), version(request.getVersion()));
            ModelConfig.Builder b = ModelConfig.newBuilder().setName(c.name()).setPlatform(c.platform()).setBackend(c.backend())
                    .setMaxBatchSize(c.maxBatchSize());
            for (ModelConfiguration.Tensor t : c.inputs()) {
                ModelInput.Builder i = ModelInput.newBuilder().setName(t.name()).setDataType(DataType.valueOf(t.tritonType()));
                for (long d : t.dims()) {
                    i.addDims(d);
                }
                b.addInput(i);
            }
            for (ModelConfiguration.Tensor t : c.outputs()) {
                ModelOutput.Builder o = ModelOutput.newBuilder().setName(t.name()).setDataType(DataType.valueOf(t.tritonType()));
                for (long d : t.dims()) {
                    o.addDims(d);
                }
                b.addOutput(o);
            }
            c.dynamicBatching().ifPresent(d -> b.setDynamicBatching(ModelDynamicBatching.newBuilder()
                    .setMaxQueueDelayMicroseconds(d.maxQueueDelayMicros())
                    .setDefaultQueuePolicy(ModelQueuePolicy.newBuilder().setMaxQueueSize(d.maxQueueSize()))));
            return ModelConfigResponse.newBuilder().setConfig(b).build();
        }));
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
        String model = request.getName();
        call("ModelStatistics", model.isEmpty() ? null : model, out, () -> {
            ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
            for (Statistics.Snapshot s : Statistics.of(registry, version(model), version(request.getVersion()))) {
                ModelStatistics.Builder m = ModelStatistics.newBuilder()
                        .setName(s.model()).setVersion(s.version()).setLastInference(s.lastInferenceMs())
                        .setInferenceCount(s.inferenceCount()).setExecutionCount(s.executionCount())
                        .setInferenceStats(InferStatistics.newBuilder().setSuccess(duration(s.success())).setFail(duration(s.fail()))
                                .setQueue(duration(s.queue())).setComputeInput(duration(s.computeInput()))
                                .setComputeInfer(duration(s.computeInfer())).setComputeOutput(duration(s.computeOutput())));
                for (Statistics.BatchSize batch : s.batches()) {
                    m.addBatchStats(InferBatchStatistics.newBuilder().setBatchSize(batch.batchSize())
                            .setComputeInput(duration(batch.computeInput())).setComputeInfer(duration(batch.computeInfer()))
                            .setComputeOutput(duration(batch.computeOutput())));
                }
                b.addModelStats(m);
            }
            return b.build();
        });
    }

    private static StatisticDuration duration(Statistics.Total t) {
        return StatisticDuration.newBuilder().setCount(t.count()).setNs(t.ns()).build();
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
        // Reads every model's status, sources included: rare, and never on the event loop.
        handOff("RepositoryIndex", out, () -> call("RepositoryIndex", null, out, () -> {
            RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
            for (Repository.Entry e : repository.index()) {
                if (request.getReady() && e.state() != Repository.State.READY) {
                    continue;
                }
                RepositoryIndexResponse.ModelIndex.Builder m = RepositoryIndexResponse.ModelIndex.newBuilder().setName(e.name())
                        .setState(e.state().name()).setReason(e.reason());
                e.version().ifPresent(m::setVersion);
                b.addModels(m);
            }
            return b.build();
        }));
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
        // Builds a model and waits for its first load: never on the event loop.
        handOff("RepositoryModelLoad", out, () -> call("RepositoryModelLoad", null, out, () -> {
            String name = request.getModelName();
            repository.checkName(name);
            repository.load(name, loadConfig(request));
            return RepositoryModelLoadResponse.getDefaultInstance();
        }));
    }

    /**
     * The config entry of a load, under REST's limit on a load's body. The message itself was
     * read under the body limit (the largest message gRPC accepts); a config entry is a few lines.
     */
    private Optional<String> loadConfig(RepositoryModelLoadRequest request) {
        int limit = dispatcher.limits().maxLoadBodyBytes();
        if (request.getSerializedSize() > limit) {
            throw new LimitExceededException("the load request has " + request.getSerializedSize() + " bytes, more than the "
                    + limit + " of the limit " + Setting.MAX_LOAD_BODY_BYTES.env());
        }
        for (String key : request.getParametersMap().keySet()) {
            if (key.startsWith("file:")) {
                throw new InvalidInputException(key, "parameter '" + key + "': hotserve loads no model files sent with the request;"
                        + " give a config entry naming where its checkpoints are");
            }
        }
        ModelRepositoryParameter config = request.getParametersMap().get("config");
        if (config == null) {
            return Optional.empty();
        }
        return switch (config.getParameterChoiceCase()) {
            case STRING_PARAM -> Optional.of(config.getStringParam());
            case BYTES_PARAM -> Optional.of(config.getBytesParam().toStringUtf8());
            case PARAMETERCHOICE_NOT_SET -> Optional.empty();
            default -> throw new InvalidInputException("config", "parameter 'config' must be a string holding one model entry of the"
                    + " config file as JSON, was " + config.getParameterChoiceCase().name().toLowerCase(Locale.ROOT));
        };
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
        // Drains the model's requests before it closes: never on the event loop.
        handOff("RepositoryModelUnload", out, () -> call("RepositoryModelUnload", null, out, () -> {
            repository.unload(request.getModelName());
            return RepositoryModelUnloadResponse.getDefaultInstance();
        }));
    }

    private static ModelMetadataResponse.TensorMetadata meta(TensorSpec s) {
        ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(s.name()).setDatatype(s.type().wireName());
        for (long d : s.shape()) {
            b.addShape(d);
        }
        return b.build();
    }
}
