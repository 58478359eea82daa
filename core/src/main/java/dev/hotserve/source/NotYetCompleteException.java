package dev.hotserve.source;

/**
 * The checkpoint may still be being written: not a failure and not remembered as one. Whatever
 * serves keeps serving; the checkpoint is looked at again on a later request or poll.
 */
public class NotYetCompleteException extends SourceException {
    private static final long serialVersionUID = 1L;

    public NotYetCompleteException(String message) {
        super(message);
    }
}
