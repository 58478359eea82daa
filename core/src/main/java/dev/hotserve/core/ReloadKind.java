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
    UNPINNED
}
