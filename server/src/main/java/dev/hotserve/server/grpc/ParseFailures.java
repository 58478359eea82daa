package dev.hotserve.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;

/**
 * Ends a call whose message cannot be read with the status the reading gave. grpc-java reads a
 * request inside the application's listener, and answers anything thrown there with UNKNOWN
 * ("Application error processing RPC"): a compressed message that inflates past the size limit
 * would be refused as UNKNOWN instead of RESOURCE_EXHAUSTED (grpc/grpc-java#11246). Placed around
 * the service bound with {@code ServerInterceptors.useInputStreamMessages}, so that the reading
 * happens under this listener.
 */
final class ParseFailures implements ServerInterceptor {

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onMessage(Q message) {
                try {
                    super.onMessage(message);
                } catch (StatusRuntimeException e) {
                    Metadata trailers = e.getTrailers() != null ? e.getTrailers() : new Metadata();
                    try {
                        call.close(e.getStatus(), trailers);
                    } catch (IllegalStateException closed) {
                        // The call had ended already; nothing more to say on it.
                    }
                }
            }
        };
    }
}
