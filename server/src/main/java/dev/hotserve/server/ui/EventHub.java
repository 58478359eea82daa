package dev.hotserve.server.ui;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The open event streams and what is sent to them. Publishing never blocks: each stream has a
 * small bounded queue, and a stream that falls that far behind (a stalled client) is ended
 * rather than buffered for; its page reconnects and starts again from a fresh snapshot.
 */
final class EventHub {

    /** One open stream's queue of frames. */
    static final class Subscriber {
        private final ArrayBlockingQueue<String> frames;
        private final String client;
        private boolean ended;

        Subscriber(int capacity, String client) {
            frames = new ArrayBlockingQueue<>(capacity);
            this.client = client;
        }

        /** Queues a frame, or ends the stream when it is full (the client is not reading). */
        synchronized void offer(String frame) {
            if (ended) {
                return;
            }
            if (!frames.offer(frame)) {
                end();
            }
        }

        /** The stream ends after what it has already taken. */
        synchronized void end() {
            if (!ended) {
                ended = true;
                frames.clear();
                frames.offer(END);
            }
        }

        /**
         * The next frame, null when none came within {@code wait} (time for a keep-alive), or
         * {@link #END} when the stream must end.
         */
        String next(Duration wait) throws InterruptedException {
            return frames.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Compared by identity: no frame is this object. */
    static final String END = new String("end of stream");

    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final int maxSubscribers;
    private final int maxPerClient;
    private final int queueCapacity;
    private boolean closed;

    EventHub(int maxSubscribers, int queueCapacity) {
        this(maxSubscribers, maxSubscribers, queueCapacity);
    }

    /** @param maxPerClient streams one client (one remote address) may hold, so that no client can take every slot */
    EventHub(int maxSubscribers, int maxPerClient, int queueCapacity) {
        this.maxSubscribers = maxSubscribers;
        this.maxPerClient = maxPerClient;
        this.queueCapacity = queueCapacity;
    }

    int maxSubscribers() {
        return maxSubscribers;
    }

    int maxPerClient() {
        return maxPerClient;
    }

    /** Why a stream was not opened, for the 503's message. */
    enum Refusal { CLOSED, FULL, CLIENT_FULL }

    /** A new stream's queue, or null when the hub is closed or has its maximum of streams. */
    synchronized Subscriber subscribe() {
        return subscribe("");
    }

    /** A new stream's queue for {@code client}, or null when the hub is closed, full, or the client holds its share. */
    synchronized Subscriber subscribe(String client) {
        if (refusal(client) != null) {
            return null;
        }
        Subscriber s = new Subscriber(queueCapacity, client);
        subscribers.add(s);
        return s;
    }

    /** Why {@link #subscribe(String)} would refuse {@code client} now, or null. */
    synchronized Refusal refusal(String client) {
        if (closed) {
            return Refusal.CLOSED;
        }
        if (subscribers.size() >= maxSubscribers) {
            return Refusal.FULL;
        }
        long mine = subscribers.stream().filter(s -> s.client.equals(client)).count();
        return mine >= maxPerClient ? Refusal.CLIENT_FULL : null;
    }

    void unsubscribe(Subscriber s) {
        subscribers.remove(s);
    }

    boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    int subscribers() {
        return subscribers.size();
    }

    void publish(String frame) {
        for (Subscriber s : subscribers) {
            s.offer(frame);
        }
    }

    /** Ends every stream and refuses new ones. */
    void close() {
        synchronized (this) {
            closed = true;
        }
        for (Subscriber s : subscribers) {
            s.end();
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }
}
