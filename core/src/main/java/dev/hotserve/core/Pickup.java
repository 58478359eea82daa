package dev.hotserve.core;

import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.LocalFiles;
import dev.hotserve.source.NotYetCompleteException;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.StagedCheckpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;

/**
 * One checkpoint from the source to a loaded, verified model: stage, load, confirm the source did
 * not change it meanwhile. It writes no state; what it found is an {@link Outcome}, which
 * {@link Swap} turns into the model's next state. The reload lock is held by the caller.
 */
final class Pickup {

    /** What a pickup found. */
    sealed interface Outcome {}

    /** Loaded and verified: {@code ok} may serve. */
    record Ready(StagedCheckpoint staged, CheckpointLoading.Ok ok, Instant start) implements Outcome {}

    /** The checkpoint may still be being written: look again at {@code pending.recheckAt()} or when it changes. */
    record Pending(ModelState.Pending pending, Throwable cause) implements Outcome {}

    /** Refused; {@code remember}: whether the same checkpoint is tried again before it changes. */
    record Refused(CheckpointRef ref, String reason, Throwable cause, Instant start, Remember remember) implements Outcome {}

    /** Whether a refused checkpoint is remembered (not tried again until it changes). */
    enum Remember { UNTIL_CHANGED, NO }

    /** What an explicit operation does about a checkpoint that is not yet complete. */
    enum Settle {
        /** Leave it pending (the automatic path: nobody waits). */
        NO_WAIT,
        /** Wait out the source's settle window once, then stage again (a reload, an unpin). */
        WAIT_ONCE
    }

    private final CheckpointSource source;
    private final LocalFiles localFiles;
    private final CheckpointLoading loading;
    private final InstantSource clock;
    private final HotModel.Sleeper sleeper;
    private final Duration settleWindow;

    Pickup(CheckpointSource source, LocalFiles localFiles, CheckpointLoading loading, InstantSource clock, HotModel.Sleeper sleeper,
            Duration settleWindow) {
        this.source = source;
        this.localFiles = localFiles;
        this.loading = loading;
        this.clock = clock;
        this.sleeper = sleeper;
        this.settleWindow = settleWindow;
    }

    /** {@code ref} as the source stages it; its digest checked against what the source declares. */
    Outcome fromSource(CheckpointRef ref, Settle settle, CheckpointLoading.Optimise optimise) {
        Instant start = clock.instant();
        StagedCheckpoint staged;
        try {
            staged = stage(ref, settle);
        } catch (NotYetCompleteException e) {
            return pending(ref, e);
        } catch (SourceException e) {
            return new Refused(ref, e.getMessage(), e, start, Remember.UNTIL_CHANGED);
        }
        return load(staged, ref.sha256(), optimise, start);
    }

    /**
     * A file on this disk named directly (a pinned reload, a rollback, a restore): staged as it is,
     * its bytes checked against {@code expectedSha256} when given. A refusal to stage is not
     * remembered: the file was asked for by name.
     */
    Outcome fromDisk(CheckpointRef ref, Path file, Optional<String> expectedSha256, CheckpointLoading.Optimise optimise) {
        Instant start = clock.instant();
        StagedCheckpoint staged;
        try {
            staged = localFiles.staged(ref, file);
        } catch (SourceException e) {
            return new Refused(ref, e.getMessage(), e, start, Remember.NO);
        }
        return load(staged, expectedSha256.or(ref::sha256), optimise, start);
    }

    private Outcome load(StagedCheckpoint staged, Optional<String> expectedSha256, CheckpointLoading.Optimise optimise, Instant start) {
        CheckpointRef ref = staged.ref();
        switch (loading.load(staged, expectedSha256, optimise)) {
            case CheckpointLoading.Failed f -> {
                return new Refused(ref, f.reason(), f.cause(), start, Remember.UNTIL_CHANGED);
            }
            case CheckpointLoading.Ok ok -> {
                try {
                    source.confirmUnchanged(staged);
                } catch (NotYetCompleteException e) {
                    ok.model().close();
                    return pending(ref, e);
                } catch (SourceException e) {
                    ok.model().close();
                    return new Refused(ref, e.getMessage(), e, start, Remember.UNTIL_CHANGED);
                }
                return new Ready(staged, ok, start);
            }
        }
    }

    private Pending pending(CheckpointRef ref, NotYetCompleteException e) {
        return new Pending(new ModelState.Pending(ref, e.getMessage(), ref.modified().plus(settleWindow)), e);
    }

    private StagedCheckpoint stage(CheckpointRef ref, Settle settle) throws SourceException {
        try {
            return source.stage(ref);
        } catch (NotYetCompleteException e) {
            Optional<Duration> window = source.settleWindow();
            if (settle == Settle.NO_WAIT || window.isEmpty()) {
                throw e;
            }
            Duration wait = Duration.between(clock.instant(), ref.modified().plus(window.get()));
            if (!wait.isNegative() && !wait.isZero()) {
                try {
                    sleeper.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new NotYetCompleteException("interrupted while waiting for " + ref.id() + " to settle");
                }
            }
            return source.stage(ref);
        }
    }
}
