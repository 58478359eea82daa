package dev.hotserve.engine.torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.net.SocketOptions;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Records every attempt of this JVM to reach the network, for {@link OfflineProbe} (a child JVM).
 *
 * <p>Two hooks, because DJL could reach the network two ways. TCP: DJL's only network code goes
 * through {@code URL.openConnection}, and its call-home opens with {@code Proxy.NO_PROXY}, which a
 * {@link java.net.ProxySelector} never sees; but every such connection is a {@link Socket}, made by
 * the process-wide {@link Socket#setSocketImplFactory} installed here, whose connect records the
 * address and refuses (nothing leaves the machine). DNS: a name is resolved before any connect,
 * so the {@link InetAddressResolverProvider} below (registered in META-INF/services, delegating to
 * the built-in resolver) records every lookup.
 *
 * <p>Static because the JDK instantiates both hooks itself; test code only.
 */
final class NetworkRecorder {

    static final List<String> ATTEMPTS = new CopyOnWriteArrayList<>();

    private NetworkRecorder() {}

    static void refuseAndRecordSockets() throws IOException {
        Socket.setSocketImplFactory(RefusingSocketImpl::new);
    }

    /** Every lookup of a host name, then handed to the JDK's own resolver. */
    public static final class Resolver extends InetAddressResolverProvider {
        @Override
        public InetAddressResolver get(Configuration configuration) {
            InetAddressResolver builtin = configuration.builtinResolver();
            return new InetAddressResolver() {
                @Override
                public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws java.net.UnknownHostException {
                    ATTEMPTS.add("dns:" + host);
                    return builtin.lookupByName(host, policy);
                }

                @Override
                public String lookupByAddress(byte[] addr) throws java.net.UnknownHostException {
                    return builtin.lookupByAddress(addr);
                }
            };
        }

        @Override
        public String name() {
            return "hotserve-test-recorder";
        }
    }

    /** A socket that records where it was asked to connect and refuses. */
    private static final class RefusingSocketImpl extends SocketImpl {
        @Override
        protected void create(boolean stream) {}

        @Override
        protected void connect(String host, int port) throws IOException {
            refuse(host + ":" + port);
        }

        @Override
        protected void connect(InetAddress address, int port) throws IOException {
            refuse(address.getHostAddress() + ":" + port);
        }

        @Override
        protected void connect(SocketAddress address, int timeout) throws IOException {
            refuse(String.valueOf(address));
        }

        private static void refuse(String where) throws ConnectException {
            ATTEMPTS.add("tcp:" + where);
            throw new ConnectException("refused by the test's network recorder: " + where);
        }

        @Override
        protected void bind(InetAddress host, int port) {}

        @Override
        protected void listen(int backlog) throws IOException {
            throw new IOException("not supported");
        }

        @Override
        protected void accept(SocketImpl s) throws IOException {
            throw new IOException("not supported");
        }

        @Override
        protected InputStream getInputStream() throws IOException {
            throw new IOException("not connected");
        }

        @Override
        protected OutputStream getOutputStream() throws IOException {
            throw new IOException("not connected");
        }

        @Override
        protected int available() {
            return 0;
        }

        @Override
        protected void close() {}

        @Override
        protected void sendUrgentData(int data) throws IOException {
            throw new IOException("not connected");
        }

        @Override
        public void setOption(int optID, Object value) {}

        @Override
        public Object getOption(int optID) {
            return optID == SocketOptions.SO_TIMEOUT ? 0 : null;
        }
    }
}
