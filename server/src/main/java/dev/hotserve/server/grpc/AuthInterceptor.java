package dev.hotserve.server.grpc;

import dev.hotserve.server.inference.Access;
import dev.hotserve.server.inference.AccessDeniedException;
import dev.hotserve.server.inference.Failure;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Optional;
import java.util.Set;

/**
 * The same auth as REST, from the {@code authorization: Bearer <key>} metadata: liveness and
 * readiness are public (like {@code /v2/health/*}), the repository's methods need the admin key
 * when one is set (like {@code /v2/repository/*}), every other RPC needs the API key when one is
 * set. A refusal ends the call with UNAUTHENTICATED or PERMISSION_DENIED before the service sees it.
 */
final class AuthInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> PUBLIC = Set.of("inference.GRPCInferenceService/ServerLive", "inference.GRPCInferenceService/ServerReady");
    private static final Set<String> ADMIN = Set.of("inference.GRPCInferenceService/RepositoryIndex",
            "inference.GRPCInferenceService/RepositoryModelLoad", "inference.GRPCInferenceService/RepositoryModelUnload");

    private final Access access;

    AuthInterceptor(Access access) {
        this.access = access;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Access.Level level = PUBLIC.contains(method) ? Access.Level.PUBLIC : ADMIN.contains(method) ? Access.Level.ADMIN : Access.Level.USER;
        try {
            access.check(level, Optional.ofNullable(headers.get(AUTHORIZATION)));
        } catch (AccessDeniedException e) {
            call.close(GrpcStatus.of(Failure.of(e, call.getMethodDescriptor().getFullMethodName())), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }
}
