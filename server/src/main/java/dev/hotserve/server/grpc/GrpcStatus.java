package dev.hotserve.server.grpc;

import dev.hotserve.server.inference.Failure;
import io.grpc.Status;

/** A {@link Failure} as a gRPC status: the same sorting as REST, gRPC's codes. */
final class GrpcStatus {

    private GrpcStatus() {}

    static Status of(Failure f) {
        Status s = switch (f.kind()) {
            case BAD_INPUT -> Status.INVALID_ARGUMENT;
            case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
            case FORBIDDEN -> Status.PERMISSION_DENIED;
            case NOT_FOUND -> Status.NOT_FOUND;
            case CONFLICT -> Status.FAILED_PRECONDITION;
            case TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case INTERNAL -> Status.INTERNAL;
        };
        return s.withDescription(f.message());
    }
}
