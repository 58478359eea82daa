package dev.hotserve.core;

/** What a {@link ReloadEvent} records. */
public enum ReloadKind {
    /** A newer file was loaded by the freshness check (a request, the poller, {@link HotModel#refresh()}). */
    LOADED,
    /** {@link HotModel#reload()} loaded the current file again. */
    FORCED,
    /** A load was attempted and refused; the previous model keeps serving. */
    FAILED,
    /** {@link HotModel#rollback(long)} loaded an earlier version. */
    ROLLED_BACK,
    /** The model stopped following the newest file (after a rollback). */
    PINNED,
    /** The model follows the newest file again. */
    UNPINNED,
    /** A new checkpoint loaded as the rollout's candidate beside stable; or the candidate moved on to its canary. */
    CANDIDATE,
    /** The candidate became stable (automatically or by hand). */
    PROMOTED,
    /** The candidate was refused (its drift, errors or non-finite outputs) or replaced; stable keeps serving. */
    REJECTED,
    /** During the guard after a promotion the new version misbehaved: the previous one serves again. */
    AUTO_ROLLED_BACK,
    /**
     * The stable version an earlier run wrote down was not restored: written for another model or
     * source, outside the current source, gone, or changed since; the model follows its source.
     */
    RESTORE_IGNORED,
    /**
     * The version just loaded has a file dated in the future. It serves (it is the newest), but
     * until the clock passes its mtime no checkpoint written later counts as newer.
     */
    FUTURE_MTIME
}
