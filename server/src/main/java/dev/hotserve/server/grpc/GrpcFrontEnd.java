package dev.hotserve.server.grpc;

import dev.hotserve.server.config.Limits;
import dev.hotserve.server.inference.Access;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.Failure;
import dev.hotserve.server.inference.Gate;
import dev.hotserve.server.inference.Repository;
import dev.hotserve.server.metrics.ServerMetrics;
import io.grpc.DecompressorRegistry;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * The gRPC server: the Open Inference Protocol's {@code inference.GRPCInferenceService}
 * ({@link OipGrpcService}, with Triton's extension methods) behind the auth interceptor, plus
 * gRPC's standard health and reflection services (both public). The largest message accepted is
 * the body limit, so a request too large for REST is too large here too.
 *
 * <p><b>Threads.</b> Calls run on the Netty event loop that read them ({@code directExecutor}): a
 * unary call is read, answered and written by one thread, where an executor costs three hand-offs
 * per call (the call's start, its message and half-close, then the write back to the event loop).
 * There is one event loop per core (gRPC's shared default has two per core): an event loop that
 * runs the model is busy, not waiting, and more of them than cores only take turns. A call that
 * may have to wait is handed to a virtual thread by {@link OipGrpcService} instead (a model with
 * dynamic batching, whose batch is filled by calls the event loop must go on reading, or a model
 * with nothing serving yet). Measured on this project's 2-core machine: BENCHMARKS.md, "Open
 * Inference Protocol".
 */
public final class GrpcFrontEnd {

    private static final System.Logger LOG = System.getLogger(GrpcFrontEnd.class.getName());

    private final Server server;
    private final EventLoops loops;
    private final ExecutorService waiting;
    private final HealthStatusManager health;

    private GrpcFrontEnd(Server server, EventLoops loops, ExecutorService waiting, HealthStatusManager health) {
        this.server = server;
        this.loops = loops;
        this.waiting = waiting;
        this.health = health;
    }

    /** The accepting thread and the connections' event loops: epoll where Netty has it, else NIO. */
    private record EventLoops(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> channel) {

        static EventLoops create(int threads) {
            boolean epoll = Epoll.isAvailable();
            IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            return new EventLoops(new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hotserve-grpc-accept", true), io),
                    new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("hotserve-grpc", true), io),
                    epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class);
        }

        void shutdown() {
            boss.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        }
    }

    /**
     * Binds {@code host:port} (0: a free port) and starts serving.
     *
     * @param metricStatus the request metrics' {@code status} label of a failed call: the server
     *     labels every transport's failures alike
     * @throws IOException when the port cannot be bound (nothing is left running); what that means
     *     for start-up is the caller's to say
     */
    public static GrpcFrontEnd start(String host, int port, Dispatcher dispatcher, Repository repository, Access access, Gate gate,
            ServerMetrics metrics, ToIntFunction<Failure.Kind> metricStatus, Limits limits) throws IOException {
        ExecutorService waiting = Executors.newVirtualThreadPerTaskExecutor();
        EventLoops loops = EventLoops.create(Runtime.getRuntime().availableProcessors());
        HealthStatusManager health = new HealthStatusManager();
        // Not serving until the server has bound every listener (serving()); its gate refuses calls until then too.
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING);
        int maxMessage = (int) Math.min(Integer.MAX_VALUE - 1024, limits.maxBodyBytes() + 1024);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .bossEventLoopGroup(loops.boss())
                .workerEventLoopGroup(loops.workers())
                .channelType(loops.channel())
                .directExecutor()
                .maxInboundMessageSize(maxMessage)
                .decompressorRegistry(DecompressorRegistry.getDefaultInstance().with(new DeflateCodec(), true))
                .addService(ServerInterceptors.intercept(ServerInterceptors.useInputStreamMessages(ServerInterceptors.intercept(
                        new OipGrpcService(dispatcher, repository, metrics, metricStatus, gate, waiting), new AuthInterceptor(access))),
                        new ParseFailures()))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            waiting.shutdownNow();
            loops.shutdown();
            throw e;
        }
        return new GrpcFrontEnd(server, loops, waiting, health);
    }

    public int port() {
        return server.getPort();
    }

    /** Every listener is bound: gRPC's health service says SERVING from now on. */
    public void serving() {
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
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
        try {
            server.awaitTermination(5, TimeUnit.SECONDS); // the connections close on their event loops: let them, then stop the loops
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loops.shutdown();
    }
}
