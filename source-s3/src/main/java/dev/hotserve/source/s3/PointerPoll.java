package dev.hotserve.source.s3;

import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.s3.StoreState.State;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The poll of an S3 source: which checkpoint serves now. One conditional GET of the pointer per
 * poll ({@code If-None-Match} its last ETag, so an unchanged pointer costs a 304 and no body), a
 * HEAD of the key it names when it changed, a listing only when there is no pointer, and with
 * signatures on a HEAD of the {@code .sig}. Runs on one thread at a time (the core's poller).
 */
final class PointerPoll {

    private static final System.Logger LOG = System.getLogger(PointerPoll.class.getName());
    static final Duration SMALL_CALL_TIMEOUT = Duration.ofSeconds(10);

    private final S3SourceSettings settings;
    private final S3Client s3;
    private final InstantSource clock;
    private final PathMatcher matcher;
    private final StoreState state;

    PointerPoll(S3SourceSettings settings, S3Client s3, InstantSource clock, PathMatcher matcher, StoreState state) {
        this.settings = settings;
        this.s3 = s3;
        this.clock = clock;
        this.matcher = matcher;
        this.state = state;
    }

    /** What a poll learnt about the pointer. */
    private sealed interface PointerRead {
        record Unchanged() implements PointerRead {}

        record Absent() implements PointerRead {}

        record Present(String etag, Pointer pointer) implements PointerRead {}
    }

    /** A poll that did not resolve; {@code reached}: the store answered (a bad pointer, a missing key). */
    private static final class PollFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean reached;

        PollFailure(String message, boolean reached, Throwable cause) {
            super(message, cause);
            this.reached = reached;
        }
    }

    /** One round: the pointer (or a listing), and what it names; on a failure the last good answer stays and the next rounds back off. */
    void poll() {
        State before = state.get();
        Instant now = clock.instant();
        if (now.isBefore(before.nextAttempt())) {
            return; // backing off after a failure
        }
        try {
            UnaryOperator<State> resolved = switch (readPointer(before.pointerEtag())) {
                // The ETag is taken from the state as it is now: a stage may have just dropped it.
                case PointerRead.Unchanged u -> {
                    // The pointer and its checkpoint stand, but a signature may have been uploaded since.
                    Optional<CheckpointRef> seen = before.current();
                    Optional<CheckpointRef> resigned = settings.signatures() && seen.isPresent() ? Optional.of(resigned(seen.get())) : seen;
                    yield s -> new State(s.current().equals(seen) ? resigned : s.current(), s.pointerEtag(), StoreState.reached(now), Instant.MIN);
                }
                case PointerRead.Absent a -> {
                    Optional<CheckpointRef> newest = newestByListing();
                    yield s -> new State(newest, Optional.empty(), StoreState.reached(now), Instant.MIN);
                }
                case PointerRead.Present p -> {
                    Optional<CheckpointRef> named = Optional.of(refOf(p.pointer()));
                    yield s -> new State(named, Optional.of(p.etag()), StoreState.reached(now), Instant.MIN);
                }
            };
            State after = state.update(resolved);
            if (!after.current().equals(before.current())) {
                LOG.log(System.Logger.Level.INFO, "{0}: now {1}", settings.location(),
                        after.current().map(CheckpointRef::toString).orElse("no checkpoint"));
            }
        } catch (PollFailure f) {
            State failed = state.pollFailed(f.getMessage(), f.reached, now);
            LOG.log(System.Logger.Level.WARNING, "{0}: poll failed ({1} in a row, next try in {2} ms): {3}", settings.location(),
                    Integer.toString(failed.health().consecutiveFailures()), Long.toString(Duration.between(now, failed.nextAttempt()).toMillis()),
                    f.getMessage());
        }
    }

    private PointerRead readPointer(Optional<String> etag) throws PollFailure {
        String key = settings.location().pointerKey();
        GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(settings.location().bucket()).key(key)
                .overrideConfiguration(o -> o.apiCallTimeout(SMALL_CALL_TIMEOUT));
        etag.ifPresent(req::ifNoneMatch);
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(req.build())) {
            byte[] body = in.readNBytes(Pointer.MAX_BYTES + 1);
            try {
                return new PointerRead.Present(in.response().eTag(), Pointer.parse(body, settings.location().uriOf(key)));
            } catch (SourceException e) {
                throw new PollFailure(e.getMessage(), true, e);
            }
        } catch (SdkServiceException e) {
            if (e.statusCode() == 304) {
                return new PointerRead.Unchanged();
            }
            if (e.statusCode() == 404 && !StoreErrors.isNoSuchBucket(e)) {
                return new PointerRead.Absent();
            }
            throw failure(e, "reading the pointer " + settings.location().uriOf(key));
        } catch (SdkException e) {
            throw failure(e, "reading the pointer " + settings.location().uriOf(key));
        } catch (IOException e) {
            throw new PollFailure("reading the pointer " + settings.location().uriOf(key) + " was cut off: " + e.getMessage(), false, e);
        }
    }

    /** The object the pointer names, as it is now (HEAD): a pointer to a missing key is a failure, not a checkpoint. */
    private CheckpointRef refOf(Pointer pointer) throws PollFailure {
        String key = settings.location().key(pointer.key());
        try {
            HeadObjectResponse head = s3.headObject(h -> h.bucket(settings.location().bucket()).key(key)
                    .overrideConfiguration(o -> o.apiCallTimeout(SMALL_CALL_TIMEOUT)));
            return ref(key, head.contentLength(), head.eTag(), head.lastModified(), pointer.sha256());
        } catch (SdkServiceException e) {
            if (e.statusCode() == 404) {
                throw new PollFailure("the pointer " + settings.location().uriOf(settings.location().pointerKey()) + " names "
                        + settings.location().uriOf(key) + ", which does not exist; still serving the last good version", true, e);
            }
            throw failure(e, "looking up " + settings.location().uriOf(key) + " (named by the pointer)");
        } catch (SdkException e) {
            throw failure(e, "looking up " + settings.location().uriOf(key) + " (named by the pointer)");
        }
    }

    /** Without a pointer: the newest key directly under the prefix whose name matches the glob. */
    private Optional<CheckpointRef> newestByListing() throws PollFailure {
        ListObjectsV2Request req = ListObjectsV2Request.builder().bucket(settings.location().bucket()).prefix(settings.location().prefix())
                .delimiter("/").overrideConfiguration(o -> o.apiCallTimeout(SMALL_CALL_TIMEOUT)).build();
        S3Object newest = null;
        try {
            for (S3Object o : s3.listObjectsV2Paginator(req).contents()) {
                String name = o.key().substring(settings.location().prefix().length());
                if (name.isEmpty() || name.startsWith(".") || !matcher.matches(Path.of(name))) {
                    continue;
                }
                if (newest == null || o.lastModified().isAfter(newest.lastModified())
                        || o.lastModified().equals(newest.lastModified()) && o.key().compareTo(newest.key()) > 0) {
                    newest = o;
                }
            }
        } catch (SdkException e) {
            throw failure(e, "listing " + settings.location());
        }
        return newest == null ? Optional.empty()
                : Optional.of(ref(newest.key(), newest.size(), newest.eTag(), newest.lastModified(), Optional.empty()));
    }

    private CheckpointRef ref(String key, Long size, String etag, Instant modified, Optional<String> sha256) throws PollFailure {
        String fileName = key.substring(key.lastIndexOf('/') + 1);
        String token = etag == null ? "" : etag;
        if (settings.signatures()) {
            token += SIGNATURE_TAG + signatureTag(key);
        }
        return new CheckpointRef(settings.location().uriOf(key), CheckpointRef.versionNameOf(fileName), size == null ? -1 : size,
                token, modified == null ? Instant.EPOCH : modified, sha256);
    }

    /**
     * With signatures on, a ref's change token is the object's ETag, this marker, and the ETag of
     * its {@code .sig} (or {@code none}): a refusal is remembered per checkpoint and signature, so a
     * training job that uploads the checkpoint and then its signature gets it served.
     */
    static final String SIGNATURE_TAG = " sig:";

    /** The same checkpoint with the change token of its signature as it is now. */
    private CheckpointRef resigned(CheckpointRef ref) throws PollFailure {
        String prefix = "s3://" + settings.location().bucket() + "/";
        String key = ref.id().substring(prefix.length());
        String token = objectTag(ref.changeToken()) + SIGNATURE_TAG + signatureTag(key);
        return token.equals(ref.changeToken()) ? ref
                : new CheckpointRef(ref.id(), ref.versionName(), ref.size(), token, ref.modified(), ref.sha256());
    }

    /** The object's own ETag within a change token, as the download's {@code If-Match} needs it. */
    static String objectTag(String changeToken) {
        int i = changeToken.indexOf(SIGNATURE_TAG);
        return i < 0 ? changeToken : changeToken.substring(0, i);
    }

    private String signatureTag(String key) throws PollFailure {
        String sigKey = key + StagingCache.SIGNATURE;
        try {
            String etag = s3.headObject(h -> h.bucket(settings.location().bucket()).key(sigKey)
                    .overrideConfiguration(o -> o.apiCallTimeout(SMALL_CALL_TIMEOUT))).eTag();
            return etag == null ? "unknown" : etag;
        } catch (SdkServiceException e) {
            if (e.statusCode() == 404) {
                return "none";
            }
            throw failure(e, "looking up the signature " + settings.location().uriOf(sigKey));
        } catch (SdkException e) {
            throw failure(e, "looking up the signature " + settings.location().uriOf(sigKey));
        }
    }

    /** Words for a failed call, and whether the store answered at all. */
    private PollFailure failure(SdkException e, String doing) {
        return new PollFailure(StoreErrors.reason(settings, e, doing), StoreErrors.reachedDespite(e), e);
    }
}
