package dev.hotserve.core;

import dev.hotserve.source.CheckpointRef;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.Optional;

/**
 * Decides, from one {@link ModelState} and what the source names as current, whether anything is
 * to be done. Pure apart from reading the clock: the same inputs give the same decision, so the
 * request path, the poller and the reloader's single-flight re-check all decide alike.
 */
final class Freshness {

    /** What to do about the source's current checkpoint. */
    sealed interface Decision {}

    /** What serves is what the source names (or a file that failed, or pinned): nothing to do. */
    record UpToDate() implements Decision {}

    /** Load {@code ref}. */
    record Load(CheckpointRef ref, String reason) implements Decision {}

    /** {@code ref} may still be being written; look again when it changes or at {@code pending.recheckAt()}. */
    record NotYetComplete(ModelState.Pending pending) implements Decision {}

    /** The source names no checkpoint: what serves keeps serving. */
    record NoCheckpoint() implements Decision {}

    private static final Decision UP_TO_DATE = new UpToDate();
    private static final Decision NO_CHECKPOINT = new NoCheckpoint();

    /** Candidates of a directory sort by (mtime, name); the greatest wins (README, "Publishing a checkpoint safely"). */
    static final Comparator<CheckpointRef> NEWEST_LAST = Comparator.comparing(CheckpointRef::modified).thenComparing(CheckpointRef::id);

    private final boolean newestOnly;
    private final InstantSource clock;

    /**
     * @param newestOnly the source's rule ({@link dev.hotserve.source.CheckpointSource#newestWins()}), a directory's: an automatic load only moves to a file that wins over
     *     the serving one, so deleting the newest file does not bring back an older one. A pointer
     *     (an object store's LATEST) is followed wherever it points, older or not.
     */
    Freshness(boolean newestOnly, InstantSource clock) {
        this.newestOnly = newestOnly;
        this.clock = clock;
    }

    /** Which of a source's checkpoints an automatic load moves to. */
    private enum Rule {
        /** Under the source's newest-wins rule, only one that sorts after the newest loaded. */
        NEWER,
        /** Any checkpoint other than the one serving (after an unpin). */
        ANY_OTHER
    }

    /** The automatic path's decision. */
    Decision decide(ModelState st, Optional<CheckpointRef> current) {
        return decide(st, current, Rule.NEWER);
    }

    /** After an unpin: any checkpoint other than the one serving loads, older or not. */
    Decision decideFollowing(ModelState st, Optional<CheckpointRef> current) {
        return decide(st, current, Rule.ANY_OTHER);
    }

    private Decision decide(ModelState st, Optional<CheckpointRef> current, Rule rule) {
        if (current.isEmpty()) {
            return NO_CHECKPOINT;
        }
        CheckpointRef ref = current.get();
        Snapshot serving = st.serving();
        if (st.pinned() && serving != null) {
            return UP_TO_DATE;
        }
        if (serving != null && ref.sameAs(serving.ref)) {
            return UP_TO_DATE;
        }
        if (st.failedBefore(ref)) {
            return UP_TO_DATE;
        }
        ModelState.Rollout rollout = st.rollout();
        if (rollout != null && ref.sameAs(rollout.candidate().ref)) {
            return UP_TO_DATE;
        }
        if (st.guard() != null && serving != null) {
            return UP_TO_DATE; // a newer checkpoint waits for the guard to end: never three versions loaded
        }
        Snapshot newest = rollout != null ? rollout.candidate() : serving;
        ModelState.Pending p = st.pending();
        if (p != null && p.ref().sameAs(ref) && clock.instant().isBefore(p.recheckAt())) {
            return new NotYetComplete(p);
        }
        if (newest != null && rule == Rule.NEWER && newestOnly && !ref.id().equals(newest.ref.id())
                && NEWEST_LAST.compare(ref, newest.ref) <= 0) {
            return UP_TO_DATE;
        }
        return new Load(ref, reasonFor(ref, serving));
    }

    private static String reasonFor(CheckpointRef ref, Snapshot serving) {
        if (serving == null) {
            return "first load of " + ref.versionName();
        }
        return ref.id().equals(serving.ref.id()) ? "file changed" : "newer file " + fileName(ref.id());
    }

    private static String fileName(String id) {
        int slash = id.lastIndexOf('/');
        return slash >= 0 ? id.substring(slash + 1) : id;
    }
}
