package dev.hotserve.server.grpc;

import dev.hotserve.server.config.Limits;
import dev.hotserve.server.http.Access;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.metrics.ServerMetrics;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server: the Open Inference Protocol's {@code inference.GRPCInferenceService}
 * ({@link OipGrpcService}) behind the auth interceptor, plus gRPC's standard health service and
 * server reflection (both public). Calls run on virtual threads: a call may block on a load (in
 * blocking reload mode) or wait for its batch, which must not stall Netty's event loop. The largest message accepted is
 * the body limit, so a request too large for REST is too large here too.
 */
public final class GrpcFrontEnd {

    private static final System.Logger LOG = System.getLogger(GrpcFrontEnd.class.getName());

    private final Server server;
    private final ExecutorService executor;
    private final HealthStatusManager health;

    private GrpcFrontEnd(Server server, ExecutorService executor, HealthStatusManager health) {
        this.server = server;
        this.executor = executor;
        this.health = health;
    }

    /**
     * Binds {@code host:port} (0: a free port) and starts serving.
     *
     * @throws dev.hotserve.server.HotserveServer.ServerStartException when the port cannot be bound
     */
    public static GrpcFrontEnd start(String host, int port, Dispatcher dispatcher, Access access,
            dev.hotserve.server.http.Gate gate, ServerMetrics metrics, Limits limits) {
        // Virtual threads, measured against a fixed pool of platform threads and Netty's own event loop
        // (directExecutor) on this machine: about twice the calls per second of either at 64 connections
        // (BENCHMARKS.md, "Open Inference Protocol"). The event loop is also unsafe here: a call may wait
        // for a load or a batch, and Netty could not read the requests that would fill that batch.
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        HealthStatusManager health = new HealthStatusManager();
        int maxMessage = (int) Math.min(Integer.MAX_VALUE - 1024, limits.maxBodyBytes() + 1024);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .executor(executor)
                .maxInboundMessageSize(maxMessage)
                .addService(ServerInterceptors.intercept(new OipGrpcService(dispatcher, metrics, gate), new AuthInterceptor(access)))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            executor.shutdownNow();
            throw new dev.hotserve.server.HotserveServer.ServerStartException("cannot listen for gRPC on " + host + ":" + port
                    + " (is the port taken? set HOTSERVE_GRPC_PORT, or 'off'): " + e.getMessage(), e);
        }
        return new GrpcFrontEnd(server, executor, health);
    }

    public int port() {
        return server.getPort();
    }

    /** Refuses new calls; calls in flight go on. */
    public void shutdown() {
        health.enterTerminalState();
        server.shutdown();
    }

    /** Waits for the calls in flight to finish, at most {@code grace}. */
    public void awaitTermination(Duration grace) throws InterruptedException {
        if (!server.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
            LOG.log(System.Logger.Level.WARNING, "gRPC calls still running after the shutdown grace of {0}; cancelling them", grace);
        }
    }

    /** Cancels whatever still runs and releases the threads. */
    public void shutdownNow() {
        server.shutdownNow();
        executor.shutdownNow();
    }
}
