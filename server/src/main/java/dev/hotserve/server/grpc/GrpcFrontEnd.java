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
 * ({@link OipGrpcService}) behind the auth interceptor, plus gRPC's standard health and reflection
 * services (both public). The largest message accepted is the body limit, so a request too large
 * for REST is too large here too.
 *
 * <p><b>Threads.</b> Calls run on the Netty event loop that read them ({@code directExecutor}): a
 * unary call is read, answered and written by one thread, where an executor would cost three
 * hand-offs per call (the call's start, its message and half-close, then the write back to the
 * event loop). On this project's 2-core machine that was worth about 15 µs of server CPU per call
 * (BENCHMARKS.md, "Open Inference Protocol"). A call that may have to wait is handed to a virtual
 * thread by {@link OipGrpcService} instead (a model with dynamic batching, whose batch is filled by
 * other calls the event loop must go on reading, or a model with nothing serving yet): see
 * {@link OipGrpcService#modelInfer}.
 *
 * <p><b>Flow control.</b> A fixed window of 1 MiB per stream instead of gRPC's default automatic
 * tuning, which sends a PING with the first DATA frame of every round trip to measure the
 * bandwidth-delay product: with unary calls one at a time per connection that is one PING, one
 * PING ack and an extra socket write per call. 1 MiB is about 9,000 rows of the SAC state in flight
 * before a sender waits for a window update; a larger message just takes more round trips.
 */
public final class GrpcFrontEnd {

    private static final System.Logger LOG = System.getLogger(GrpcFrontEnd.class.getName());

    private final Server server;
    private final ExecutorService waiting;
    private final HealthStatusManager health;

    private GrpcFrontEnd(Server server, ExecutorService waiting, HealthStatusManager health) {
        this.server = server;
        this.waiting = waiting;
        this.health = health;
    }

    /**
     * Binds {@code host:port} (0: a free port) and starts serving.
     *
     * @throws dev.hotserve.server.HotserveServer.ServerStartException when the port cannot be bound
     */
    public static GrpcFrontEnd start(String host, int port, Dispatcher dispatcher, Access access,
            dev.hotserve.server.http.Gate gate, ServerMetrics metrics, Limits limits) {
        ExecutorService waiting = Executors.newVirtualThreadPerTaskExecutor();
        HealthStatusManager health = new HealthStatusManager();
        int maxMessage = (int) Math.min(Integer.MAX_VALUE - 1024, limits.maxBodyBytes() + 1024);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .directExecutor()
                .flowControlWindow(NettyServerBuilder.DEFAULT_FLOW_CONTROL_WINDOW)
                .maxInboundMessageSize(maxMessage)
                .addService(ServerInterceptors.intercept(new OipGrpcService(dispatcher, metrics, gate, waiting), new AuthInterceptor(access)))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            waiting.shutdownNow();
            throw new dev.hotserve.server.HotserveServer.ServerStartException("cannot listen for gRPC on " + host + ":" + port
                    + " (is the port taken? set HOTSERVE_GRPC_PORT, or 'off'): " + e.getMessage(), e);
        }
        return new GrpcFrontEnd(server, waiting, health);
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
        waiting.shutdownNow();
    }
}
