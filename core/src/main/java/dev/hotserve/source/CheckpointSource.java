package dev.hotserve.source;

import java.util.Optional;

/**
 * Where a model's checkpoints come from: a local file, a local directory, an object store. The
 * core asks a source two things: which checkpoint should serve now ({@link #current()}, on every
 * request, so it must be cheap) and for a complete, verified local copy of it ({@link #stage},
 * which may take long). Engines only ever load staged files.
 *
 * <p>Implementations are thread-safe. {@link #current()} is called concurrently from request
 * threads; {@link #stage} and {@link #poll()} from one loader or poller thread at a time per model.
 */
public interface CheckpointSource extends AutoCloseable {

    /** Words for messages and the info route: {@code "directory /x (model_*.onnx)"}, {@code "s3://b/p/"}. */
    String describe();

    /**
     * The checkpoint that should serve now, or empty when there is none yet. Costs about a stat
     * for a local source and nothing at all for a remote one (which answers from its last
     * {@link #poll()}): never a network round trip, never a listing of an unchanged directory.
     *
     * @throws SourceException when the source cannot tell (an unreadable directory, ...)
     */
    Optional<CheckpointRef> current() throws SourceException;

    /**
     * What the request path asks while a model serves and the request may not wait for a costly
     * look: {@link #current()}'s answer, or {@link Glance#LOOK_NEEDED} when only a costly look (a
     * listing of a changed directory) can tell, which the caller then leaves to the background.
     * A source whose {@link #current()} is always cheap need not override it.
     */
    default Glance glance() throws SourceException {
        return new Glance.Seen(current());
    }

    /**
     * As {@link #current()} for an explicit operation (a reload, an unpin): a source that answers
     * {@link #current()} from what it saw last looks again now, whatever its change tokens say.
     */
    default Optional<CheckpointRef> currentLookingAgain() throws SourceException {
        return current();
    }

    /**
     * Whether an automatic load only moves to a checkpoint that sorts after the one serving (a
     * directory's rule: deleting the newest file does not bring back an older one). A pointer (an
     * object store's LATEST) says no: it is followed wherever it points, older or not.
     */
    default boolean newestWins() {
        return false;
    }

    /**
     * How long a checkpoint of no checkable format must stay unchanged before it stages, when the
     * source applies such a rule; an explicit operation waits it out once rather than fail.
     */
    default Optional<java.time.Duration> settleWindow() {
        return Optional.empty();
    }

    /**
     * Asks the source to call {@code onChange} (on a thread of its own, which must only hand over)
     * when its current checkpoint may have changed, so a load need not wait for a request or a
     * poll. A source that cannot tell returns a no-op; closing the result stops the calls.
     */
    default AutoCloseable notifyOnChange(Runnable onChange) {
        return () -> { };
    }

    /**
     * A local, complete copy of {@code ref} with its sidecars. A local source hands back the file
     * itself once it is provably complete; a remote one downloads into its cache, hashing as it
     * goes.
     *
     * @throws NotYetCompleteException when the checkpoint may still be being written: not a
     *     failure, the caller tries again when it changes or later
     * @throws SourceException when the checkpoint cannot be staged: a failure, recorded
     */
    StagedCheckpoint stage(CheckpointRef ref) throws SourceException;

    /**
     * Called once the engine has loaded {@code staged}, before it serves: a source whose staged
     * file can still change under it (a local file written in place) checks that it did not.
     *
     * @throws NotYetCompleteException when the file changed during the load
     */
    default void confirmUnchanged(StagedCheckpoint staged) throws SourceException {}

    /**
     * Whether {@link #stage} may wait on the network. The core then never stages on a request
     * thread: loads run in the background whatever the model's reload mode.
     */
    default boolean remote() {
        return false;
    }

    /**
     * Asks the store what is new; a remote source polls here (the shared poller calls it every
     * poll interval). A local source has nothing to do: {@link #current()} looks at the disk.
     */
    default void poll() {}

    /** Whether the source could be reached, and when it last was; local sources are always reachable. */
    default SourceHealth health() {
        return SourceHealth.LOCAL;
    }

    /**
     * Whether a version recorded by an earlier run (the id its {@link CheckpointRef} had and the
     * local file it was loaded from) is one of this source's own checkpoints: a file under its
     * directory matching its glob, the file itself, a key under its prefix staged in its own cache.
     * Durable state is restored only when this holds, so a model never comes up serving another
     * source's checkpoint (a renamed {@code dir}, two deployments sharing one state directory).
     * A source that cannot tell says no.
     */
    default boolean holds(String refId, java.nio.file.Path localFile) {
        return false;
    }

    /** Releases clients and caches. */
    @Override
    default void close() {}
}
