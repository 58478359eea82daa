package dev.hotserve.batch;

/** A model's batch queue is full: the request is refused at once instead of waiting without bound. A server maps it to 503 with Retry-After. */
public class QueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QueueFullException(String message) {
        super(message);
    }
}
