package dev.hotserve.source.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback between a client and a store. It records the head of every request
 * that passes (so a test can say which calls were made, and with which headers), and it can hold
 * a response once a number of bytes has passed, leaving the client waiting mid-transfer until the
 * test stops the store: {@link #cutAll()} then drops the held bytes and closes every connection,
 * which is what the client sees when the store goes away mid-transfer.
 */
public final class StoreRelay implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Object holdLock = new Object();
    /** Bytes from the store to let through before holding; Long.MAX_VALUE: never hold. */
    private long holdAfter = Long.MAX_VALUE;
    private final AtomicLong passedSinceArmed = new AtomicLong();
    private volatile boolean holding;
    private final Thread acceptor;

    public StoreRelay(int targetPort) {
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.targetPort = targetPort;
        this.acceptor = Thread.ofVirtual().name("relay-accept").start(this::accept);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Holds every response once {@code bytes} more bytes have come from the store. */
    public void holdAfter(long bytes) {
        synchronized (holdLock) {
            passedSinceArmed.set(0);
            holdAfter = bytes;
        }
    }

    /** Lets everything through again. */
    public void release() {
        synchronized (holdLock) {
            holdAfter = Long.MAX_VALUE;
            holdLock.notifyAll();
        }
    }

    /** Whether a response is held mid-transfer right now. */
    public boolean holding() {
        return holding;
    }

    /** Closes every open connection; held bytes are dropped. New connections are still relayed. */
    public void cutAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
        synchronized (holdLock) {
            holdLock.notifyAll();
        }
    }

    /** Request lines and headers seen so far, one string per request head. */
    public List<String> requests() {
        return new ArrayList<>(requests);
    }

    public void clearRequests() {
        requests.clear();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket store = new Socket();
                try {
                    store.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
                } catch (IOException e) {
                    closeQuietly(client); // the store is down: refuse as it would
                    closeQuietly(store);
                    continue;
                }
                open.add(client);
                open.add(store);
                Thread.ofVirtual().start(() -> pumpRequests(client, store));
                Thread.ofVirtual().start(() -> pumpResponses(store, client));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** Client to store, noting each request head (requests carry small bodies here, if any). */
    private void pumpRequests(Socket client, Socket store) {
        StringBuilder head = new StringBuilder();
        try (InputStream in = client.getInputStream(); OutputStream out = store.getOutputStream()) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) != -1; ) {
                head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                int end;
                while ((end = head.indexOf("\r\n\r\n")) >= 0) {
                    String h = head.substring(0, end);
                    if (h.matches("(?s)^[A-Z]+ /.*")) {
                        requests.add(h);
                    }
                    head.delete(0, end + 4);
                }
                if (head.length() > 65536) {
                    head.setLength(0); // a request body, not a head
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a closed side ends the pump
        } finally {
            closeQuietly(client);
            closeQuietly(store);
        }
    }

    private void pumpResponses(Socket store, Socket client) {
        try (InputStream in = store.getInputStream(); OutputStream out = client.getOutputStream()) {
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) != -1; ) {
                synchronized (holdLock) {
                    while (passedSinceArmed.get() >= holdAfter && !client.isClosed()) {
                        holding = true;
                        holdLock.wait();
                    }
                    holding = false;
                    passedSinceArmed.addAndGet(n);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a closed side ends the pump
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (holdLock) {
                holding = false;
            }
            closeQuietly(client);
            closeQuietly(store);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is best effort
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing is best effort
        }
        release();
        cutAll();
        acceptor.interrupt();
    }
}
