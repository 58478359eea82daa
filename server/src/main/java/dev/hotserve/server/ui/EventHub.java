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
        private boolean ended;

        Subscriber(int capacity) {
            frames = new ArrayBlockingQueue<>(capacity);
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
    private final int queueCapacity;
    private boolean closed;

    EventHub(int maxSubscribers, int queueCapacity) {
        this.maxSubscribers = maxSubscribers;
        this.queueCapacity = queueCapacity;
    }

    /** A new stream's queue, or null when the hub is closed or has its maximum of streams. */
    synchronized Subscriber subscribe() {
        if (closed || subscribers.size() >= maxSubscribers) {
            return null;
        }
        Subscriber s = new Subscriber(queueCapacity);
        subscribers.add(s);
        return s;
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
