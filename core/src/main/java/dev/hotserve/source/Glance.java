package dev.hotserve.source;

import java.util.Optional;

/**
 * What a request thread learns about a source's current checkpoint when it may not pay for a
 * costly look ({@link CheckpointSource#glance()}): either the answer, or that only a costly look
 * (a directory listing, say) can tell, which the caller then leaves to the background.
 */
public sealed interface Glance {

    /** The current checkpoint, as {@link CheckpointSource#current()} would say; empty when there is none yet. */
    record Seen(Optional<CheckpointRef> current) implements Glance {}

    /** Only a costly look can tell what is current now. */
    record LookNeeded() implements Glance {}

    /** The one {@link LookNeeded}: a request that gets it allocates nothing. */
    Glance LOOK_NEEDED = new LookNeeded();
}
