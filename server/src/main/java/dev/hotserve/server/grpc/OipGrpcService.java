package dev.hotserve.server.grpc;

import dev.hotserve.core.ModelVersion;
import dev.hotserve.engine.TensorSpec;
import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.grpc.oip.ModelInferResponse;
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
import dev.hotserve.server.inference.ModelMetadata;
import dev.hotserve.server.inference.ModelRegistry;
import dev.hotserve.server.inference.ServedModel;
import dev.hotserve.server.inference.ServerIdentity;
import dev.hotserve.server.inference.ServerStoppingException;
import dev.hotserve.server.inference.Versions;
import dev.hotserve.server.metrics.ServerMetrics;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * {@code inference.GRPCInferenceService}: the six RPCs of the Open Inference Protocol, over the
 * same registry, {@link Dispatcher}, version routing and {@link Failure} sorting as REST. Every
 * call is admitted by the server's gate (a stopping server refuses, UNAVAILABLE) and recorded in
 * the request metrics with route {@code grpc:<Method>}.
 *
 * <p>Calls arrive on the Netty event loop that read them ({@link GrpcFrontEnd}) and are answered
 * there when they cannot wait on anything but the engine; a call that may wait is handed to a
 * virtual thread of {@code waiting} first, so the event loop goes on reading the calls of its other
 * connections.
 */
final class OipGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private static final List<String> EXTENSIONS = List.of("model_repository");

    private final Dispatcher dispatcher;
    private final ModelRegistry registry;
    private final ServerMetrics metrics;
    private final Gate gate;
    private final Executor waiting;
    private final ToIntFunction<Failure.Kind> metricStatus;

    /** @param metricStatus the request metrics' {@code status} label of a failed call */
    OipGrpcService(Dispatcher dispatcher, ServerMetrics metrics, ToIntFunction<Failure.Kind> metricStatus, Gate gate, Executor waiting) {
        this.metricStatus = metricStatus;
        this.dispatcher = dispatcher;
        this.registry = dispatcher.registry();
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
        if (mayWait(request.getModelName())) {
            handOff("ModelInfer", out, () -> modelInferNow(request, out));
        } else {
            modelInferNow(request, out);
        }
    }

    private void modelInferNow(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        GrpcTensors.Contents contents = GrpcTensors.Contents.of(request);
        call("ModelInfer", request.getModelName(), out, () -> {
            InferRequest req = GrpcTensors.request(request, dispatcher); // first: the parameters carry the routing key
            return dispatcher.infer(request.getModelName(), version(request.getModelVersion()), req.routingKey(), lease -> req,
                    r -> GrpcTensors.response(r, req.id(), contents));
        });
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
