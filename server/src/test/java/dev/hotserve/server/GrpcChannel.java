package dev.hotserve.server;

import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc;
import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;

/** A plaintext channel to a started server's gRPC port, with the proto's blocking stub; closing it shuts the channel down. */
final class GrpcChannel implements AutoCloseable {

    final ManagedChannel channel;

    private GrpcChannel(ManagedChannel channel) {
        this.channel = channel;
    }

    static GrpcChannel to(TestServer server) {
        return new GrpcChannel(ManagedChannelBuilder.forAddress("127.0.0.1", server.server.grpcPort().orElseThrow()).usePlaintext().build());
    }

    /** The stub, every call of it bounded by {@code seconds}. */
    GRPCInferenceServiceBlockingStub stub(long seconds) {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
