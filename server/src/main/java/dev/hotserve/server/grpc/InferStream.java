package dev.hotserve.server.grpc;

import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.grpc.oip.ModelInferResponse;
import dev.hotserve.server.grpc.oip.ModelStreamInferResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.BiConsumer;

/**
 * One {@code ModelStreamInfer} call (Triton's streaming inference): the requests of the stream are
 * answered one at a time, in the order sent, each exactly as a unary {@code ModelInfer} would be; a
 * request that fails gets a response with its {@code error_message} and the stream goes on, as
 * Triton's does.
 *
 * <p>The stream asks gRPC for one message, answers it, then asks for the next: HTTP/2 flow
 * control holds back a client that sends faster than the model answers, so nothing queues here,
 * and a request that must wait (batching) waits off the event loop without a second one starting.
 */
final class InferStream implements StreamObserver<ModelInferRequest> {

    private final ServerCallStreamObserver<ModelStreamInferResponse> out;
    private final BiConsumer<ModelInferRequest, StreamObserver<ModelInferResponse>> infer;
    private final Object lock = new Object();
    private boolean inFlight; // guarded by lock, as are the two below
    private boolean halfClosed;
    private boolean ended;

    /** @param infer answers one request through the observer it is given, on whatever thread */
    InferStream(StreamObserver<ModelStreamInferResponse> out, BiConsumer<ModelInferRequest, StreamObserver<ModelInferResponse>> infer) {
        this.out = (ServerCallStreamObserver<ModelStreamInferResponse>) out;
        this.infer = infer;
        this.out.disableAutoRequest();
        this.out.request(1);
    }

    @Override
    public void onNext(ModelInferRequest request) {
        synchronized (lock) {
            inFlight = true;
        }
        infer.accept(request, new StreamObserver<>() {
            @Override
            public void onNext(ModelInferResponse response) {
                send(ModelStreamInferResponse.newBuilder().setInferResponse(response).build());
            }

            @Override
            public void onError(Throwable t) {
                Status status = Status.fromThrowable(t);
                String message = status.getDescription() != null ? status.getDescription() : status.getCode().toString();
                send(ModelStreamInferResponse.newBuilder().setErrorMessage(message).build());
                answered();
            }

            @Override
            public void onCompleted() {
                answered();
            }
        });
    }

    /** The client ended the stream by an error or a cancel: nothing more can be sent. */
    @Override
    public void onError(Throwable t) {
        synchronized (lock) {
            ended = true;
        }
    }

    /** The client sent its last request: the stream ends once that one is answered. */
    @Override
    public void onCompleted() {
        synchronized (lock) {
            halfClosed = true;
            if (!inFlight) {
                end();
            }
        }
    }

    private void answered() {
        boolean next;
        synchronized (lock) {
            inFlight = false;
            next = !halfClosed && !ended;
            if (halfClosed) {
                end();
            }
        }
        if (next) {
            out.request(1);
        }
    }

    private void send(ModelStreamInferResponse response) {
        synchronized (lock) {
            if (!ended && !out.isCancelled()) {
                out.onNext(response);
            }
        }
    }

    private void end() { // holding lock
        if (!ended) {
            ended = true;
            if (!out.isCancelled()) {
                out.onCompleted();
            }
        }
    }
}
