package dev.hotserve.source.s3;

import dev.hotserve.source.NotYetCompleteException;

/**
 * The store could not be reached, or a transfer broke off: the checkpoint could not be staged
 * now, through no fault of its bytes. Unlike a refusal (a wrong sha256), it is not remembered
 * against the checkpoint: the core tries the same checkpoint again at a later poll, and the
 * source backs off meanwhile. The failure itself is recorded in the source's health (last error,
 * failures in a row), which the info route and the metrics show.
 */
public class StoreUnavailableException extends NotYetCompleteException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message);
        if (cause != null) {
            initCause(cause);
        }
    }
}
