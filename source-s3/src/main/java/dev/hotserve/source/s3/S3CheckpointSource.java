package dev.hotserve.source.s3;

import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.NotYetCompleteException;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.SourceHealth;
import dev.hotserve.source.StagedCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Checkpoints under an S3 prefix (SPEC §9). Which one serves: the key named by the
 * {@code <prefix>LATEST} pointer object when there is one, else the newest key matching the glob
 * (by LastModified, ties by the greatest name).
 *
 * <p><b>No request waits on the network.</b> {@link #poll()} (the shared poller's thread) does
 * all the asking: one conditional GET of the pointer per poll ({@code If-None-Match} its last
 * ETag, so an unchanged pointer costs a 304 and no body), a HEAD of the key it names when it
 * changed, and a listing only when there is no pointer. {@link #current()} answers from what the
 * last successful poll found, from a volatile read. After a failed poll, the next ones are skipped
 * for a backoff that doubles per failure in a row (with jitter, so a fleet does not retry in step)
 * up to a maximum; {@link #health()} says so.
 *
 * <p><b>Nothing partial is handed out.</b> {@link #stage} downloads into a hidden temporary file
 * of the model's cache folder, hashing as it writes; only when the byte count equals the
 * object's length and the sha256 equals the declared one (the pointer's, else the
 * {@code <key>.sha256} object's) is the file renamed into place. The download asks for the ETag
 * the poll saw ({@code If-Match}), so bytes written after the poll are never taken for the
 * polled version. Keys are meant to be immutable (publish a new key, then flip the pointer); a
 * key rewritten in place is noticed at its next stage and re-resolved by the next poll.
 *
 * <p>Thread-safety: {@link #current()} and {@link #health()} from any thread; {@link #poll()} and
 * {@link #stage} each from one thread at a time (the core's poller and loader).
 */
public final class S3CheckpointSource implements CheckpointSource {

    private static final System.Logger LOG = System.getLogger(S3CheckpointSource.class.getName());
    /** Sidecars are a digest and a small JSON; anything bigger is not one. */
    private static final int MAX_SIDECAR_BYTES = 1 << 20;
    private static final Duration SMALL_CALL_TIMEOUT = Duration.ofSeconds(10);

    private final S3SourceSettings settings;
    private final S3Client s3;
    private final InstantSource clock;
    private final PathMatcher matcher;
    private final StagingCache cache;
    private final String description;
    /** Jitter of the backoff; used by the poll thread only. */
    private final SplittableRandom jitter = new SplittableRandom();

    /**
     * Everything the last poll left, swapped whole so that {@link #current()} and
     * {@link #health()} never see half of one poll and half of another.
     *
     * @param current what serves, as of the last successful poll
     * @param pointerEtag the ETag of the pointer {@code current} came from; empty when it came
     *     from a listing (or before the first poll), so the next poll fetches the pointer whole
     * @param nextAttempt polls before this instant are skipped (backoff); {@link Instant#MIN} after a success
     */
    private record State(Optional<CheckpointRef> current, Optional<String> pointerEtag, SourceHealth health, Instant nextAttempt) {}

    private final AtomicReference<State> state;

    private S3CheckpointSource(S3SourceSettings settings, S3Client s3, InstantSource clock) {
        this.settings = settings;
        this.s3 = s3;
        this.clock = clock;
        this.matcher = FileSystems.getDefault().getPathMatcher("glob:" + settings.glob());
        this.cache = new StagingCache(settings.cacheDir(), settings.keepStaged(), clock);
        this.description = settings.location() + " (" + settings.glob() + ")" + settings.endpoint().map(e -> " at " + e).orElse("");
        this.state = new AtomicReference<>(new State(Optional.empty(), Optional.empty(),
                new SourceHealth(false, Optional.empty(), Optional.of("not polled yet"), 0), Instant.MIN));
    }

    /**
     * A source over a client built from the settings: the standard credential and region chains
     * (or the settings' overrides), the JDK's URL connection as transport, no SDK retries (the
     * poll's backoff is the retry), and checksums only where S3 requires them (S3-compatible
     * stores do not all know the newer ones). Touches no network.
     *
     * @throws IllegalArgumentException when the client cannot be built (a malformed endpoint)
     */
    public static S3CheckpointSource open(S3SourceSettings settings, InstantSource clock) {
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30)))
                .region(settings.region().map(Region::of).orElseGet(S3CheckpointSource::defaultRegion))
                .credentialsProvider(settings.credentials().orElseGet(() -> DefaultCredentialsProvider.builder().build()))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        settings.endpoint().ifPresent(e -> b.endpointOverride(e).forcePathStyle(true));
        try {
            return new S3CheckpointSource(settings, b.build(), clock);
        } catch (SdkException e) {
            throw new IllegalArgumentException("cannot set up the S3 client for " + settings.location() + ": " + e.getMessage(), e);
        }
    }

    /** The standard chain's region, else the one every S3-compatible store accepts. */
    private static Region defaultRegion() {
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            return Region.US_EAST_1;
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public boolean remote() {
        return true;
    }

    /** A key under this prefix whose name passes the glob, staged in this source's own cache folder. */
    @Override
    public boolean holds(String refId, Path localFile) {
        String base = settings.location().uriOf(settings.location().prefix());
        if (refId == null || !refId.startsWith(base) || localFile == null) {
            return false;
        }
        String relative = refId.substring(base.length());
        try {
            Pointer.checkKey(relative, "recorded");
        } catch (SourceException e) {
            return false;
        }
        String name = relative.substring(relative.lastIndexOf('/') + 1);
        Path file = localFile.toAbsolutePath().normalize();
        return !name.startsWith(".") && matcher.matches(Path.of(name)) && cache.dir().equals(file.getParent());
    }

    /** The answer of the last successful poll; never the network. */
    @Override
    public Optional<CheckpointRef> current() {
        return state.get().current();
    }

    @Override
    public SourceHealth health() {
        return state.get().health();
    }

    /** The settings this source follows. */
    public S3SourceSettings settings() {
        return settings;
    }

    // ---- polling ----

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

    @Override
    public void poll() {
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
                    yield s -> new State(s.current().equals(seen) ? resigned : s.current(), s.pointerEtag(), reached(now), Instant.MIN);
                }
                case PointerRead.Absent a -> {
                    Optional<CheckpointRef> newest = newestByListing();
                    yield s -> new State(newest, Optional.empty(), reached(now), Instant.MIN);
                }
                case PointerRead.Present p -> {
                    Optional<CheckpointRef> named = Optional.of(refOf(p.pointer()));
                    yield s -> new State(named, Optional.of(p.etag()), reached(now), Instant.MIN);
                }
            };
            State after = update(resolved);
            if (!after.current().equals(before.current())) {
                LOG.log(System.Logger.Level.INFO, "{0}: now {1}", settings.location(),
                        after.current().map(CheckpointRef::toString).orElse("no checkpoint"));
            }
        } catch (PollFailure f) {
            State failed = update(s -> failed(s, f.getMessage(), f.reached, now));
            LOG.log(System.Logger.Level.WARNING, "{0}: poll failed ({1} in a row, next try in {2} ms): {3}", settings.location(),
                    Integer.toString(failed.health().consecutiveFailures()), Long.toString(Duration.between(now, failed.nextAttempt()).toMillis()),
                    f.getMessage());
        }
    }

    private State update(UnaryOperator<State> f) {
        return state.updateAndGet(f);
    }

    private SourceHealth reached(Instant now) {
        return new SourceHealth(true, Optional.of(now), Optional.empty(), 0);
    }

    /** Records a failure, keeps {@code current} (the last good answer), and backs off. */
    private State failed(State s, String reason, boolean reached, Instant now) {
        int failures = s.health().consecutiveFailures() + 1;
        SourceHealth h = new SourceHealth(reached, reached ? Optional.of(now) : s.health().lastReached(), Optional.of(reason), failures);
        // A failed resolution must be redone whole: forget the pointer's ETag.
        return new State(s.current(), Optional.empty(), h, now.plus(backoff(failures)));
    }

    /** initial * 2^(failures-1), capped, times a factor in [0.5, 1) so that replicas spread out. */
    private Duration backoff(int failures) {
        long initial = settings.initialBackoff().toMillis();
        long max = settings.maxBackoff().toMillis();
        long full = failures >= 31 ? max : Math.min(max, initial << Math.min(failures - 1, 30));
        return Duration.ofMillis((long) (full * (0.5 + 0.5 * jitter.nextDouble())));
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
            if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
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
    private static final String SIGNATURE_TAG = " sig:";

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
        return new PollFailure(reason(e, doing), reachedDespite(e), e);
    }

    private String reason(SdkException e, String doing) {
        String where = settings.endpoint().map(u -> " at " + u).orElse("");
        if (e instanceof SdkServiceException se) {
            String detail = se instanceof software.amazon.awssdk.awscore.exception.AwsServiceException ae && ae.awsErrorDetails() != null
                    ? ae.awsErrorDetails().errorCode() + ": " + ae.awsErrorDetails().errorMessage() : se.getMessage();
            return switch (se.statusCode()) {
                case 401, 403 -> doing + ": access denied (HTTP " + se.statusCode() + ", " + detail
                        + "); check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the profile or role) and the bucket policy";
                case 404 -> doing + ": " + (isNoSuchBucket(se) ? "the bucket " + settings.location().bucket() + " does not exist" + where
                        : "not found (" + detail + ")");
                default -> doing + ": the store" + where + " answered HTTP " + se.statusCode() + " (" + detail + ")";
            };
        }
        return doing + ": cannot reach the store" + where + " (" + rootMessage(e) + ")";
    }

    private static boolean reachedDespite(SdkException e) {
        // The store answered; only an authorisation refusal or a server error means we cannot use it.
        return e instanceof SdkServiceException se && se.statusCode() != 401 && se.statusCode() != 403 && se.statusCode() < 500;
    }

    private static boolean isNoSuchBucket(SdkServiceException e) {
        return e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException ae && ae.awsErrorDetails() != null
                && "NoSuchBucket".equals(ae.awsErrorDetails().errorCode());
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    // ---- staging ----

    @Override
    public StagedCheckpoint stage(CheckpointRef ref) throws SourceException {
        State now = state.get();
        if (clock.instant().isBefore(now.nextAttempt())) {
            throw new StoreUnavailableException("not trying " + ref.id() + " yet: backing off after " + now.health().consecutiveFailures()
                    + " failures in a row (last: " + now.health().lastError().orElse("unknown") + ")", null);
        }
        String key = keyOf(ref);
        String fileName = StagingCache.stagedName(key);
        Optional<byte[]> shaSidecar = readSidecar(key + ".sha256");
        Optional<String> expected = expectedSha256(ref, key, shaSidecar);

        Optional<Path> part = Optional.empty();
        String actual;
        Optional<String> reused = cache.reuse(ref, fileName);
        if (reused.isPresent()) {
            actual = reused.get();
            LOG.log(System.Logger.Level.INFO, "{0}: {1} is already in the cache; not downloading it again", settings.location(), ref);
        } else {
            Path p = cache.prepare(fileName);
            part = Optional.of(p);
            try {
                actual = download(ref, key, p);
            } catch (SourceException | RuntimeException e) {
                cache.discard(p);
                throw e;
            }
        }
        if (expected.isPresent() && !expected.get().equals(actual)) {
            part.ifPresent(cache::discard);
            throw new SourceException("sha256 mismatch: " + ref.id() + " should hash to " + expected.get() + " ("
                    + (ref.sha256().isPresent() ? "the pointer says so" : "its .sha256 object says so") + ") but its bytes hash to " + actual
                    + "; refusing it and keeping the last good version");
        }
        Optional<byte[]> json;
        Optional<byte[]> signature;
        try {
            json = readSidecar(key + ".json");
            // Staged beside the bytes it signs, and verified on those staged bytes by the load.
            signature = settings.signatures() ? readSidecar(key + StagingCache.SIGNATURE) : Optional.empty();
        } catch (SourceException e) {
            part.ifPresent(cache::discard);
            throw e;
        }
        StagingCache.Staged staged = cache.commit(ref, fileName, part, actual, json, shaSidecar, signature);
        stageSucceeded();
        return new StagedCheckpoint(ref, staged.file(), staged.json(), staged.sha256(), Optional.of(actual));
    }

    private String keyOf(CheckpointRef ref) throws SourceException {
        String prefix = "s3://" + settings.location().bucket() + "/";
        if (!ref.id().startsWith(prefix)) {
            throw new SourceException("cannot stage " + ref.id() + ": not an object of " + settings.location());
        }
        return ref.id().substring(prefix.length());
    }

    /** The pointer's digest, else the sidecar's; refuses when both exist and disagree, or the sidecar is not a digest. */
    private Optional<String> expectedSha256(CheckpointRef ref, String key, Optional<byte[]> sidecar) throws SourceException {
        Optional<String> fromSidecar = Optional.empty();
        if (sidecar.isPresent()) {
            String text = new String(sidecar.get(), StandardCharsets.UTF_8).strip();
            // `sha256sum` writes "<hex>  <file name>": the digest is the first word.
            String first = text.isEmpty() ? "" : text.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            if (!Pointer.SHA256.matcher(first).matches()) {
                throw new SourceException(settings.location().uriOf(key + ".sha256") + " must start with 64 hex digits (the sha256 of "
                        + ref.id() + "), was '" + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "'");
            }
            fromSidecar = Optional.of(first);
        }
        if (ref.sha256().isPresent() && fromSidecar.isPresent() && !ref.sha256().equals(fromSidecar)) {
            throw new SourceException("the pointer declares sha256 " + ref.sha256().get() + " for " + ref.id() + " but "
                    + settings.location().uriOf(key + ".sha256") + " declares " + fromSidecar.get() + "; refusing both");
        }
        return ref.sha256().isPresent() ? ref.sha256() : fromSidecar;
    }

    /**
     * Downloads the object into {@code part}, hashing as it writes.
     *
     * @return the sha256 of the bytes written
     * @throws SourceException on a cut transfer, a short one, a write error (a full disk), or an
     *     object that changed since the poll
     */
    private String download(CheckpointRef ref, String key, Path part) throws SourceException {
        GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(settings.location().bucket()).key(key);
        String objectTag = objectTag(ref.changeToken());
        if (!objectTag.isEmpty()) {
            req.ifMatch(objectTag);
        }
        long t0 = System.nanoTime();
        long written = 0;
        long length = -1;
        MessageDigest md = sha256();
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(req.build());
                FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            length = in.response().contentLength() == null ? -1 : in.response().contentLength();
            byte[] buf = new byte[1 << 16];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    throw stageFailure("the download of " + ref.id() + " was cut off after " + written + " of " + length + " bytes ("
                            + e.getMessage() + "); nothing was loaded", e, false);
                }
                if (n < 0) {
                    break;
                }
                md.update(buf, 0, n);
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                try {
                    while (bb.hasRemaining()) {
                        out.write(bb);
                    }
                } catch (IOException e) {
                    throw new SourceException("cannot write the download of " + ref.id() + " to " + part + " after " + written + " bytes: "
                            + StagingCache.describe(e) + "; nothing was loaded", e);
                }
                written += n;
            }
        } catch (SdkServiceException e) {
            if (e.statusCode() == 412) {
                // Rewritten in place since the poll: the next poll resolves the key again (its ETag changed).
                update(s -> new State(s.current(), Optional.empty(), s.health(), s.nextAttempt()));
                throw new NotYetCompleteException(ref.id() + " changed after it was polled (rewritten in place); the next poll takes the new bytes");
            }
            if (e.statusCode() == 404) {
                throw new SourceException(ref.id() + " no longer exists (deleted after it was polled); nothing was loaded", e);
            }
            throw stageFailure(reason(e, "downloading " + ref.id()), e, reachedDespite(e));
        } catch (SdkException e) {
            throw stageFailure(reason(e, "downloading " + ref.id()), e, false);
        } catch (IOException e) {
            throw new SourceException("cannot write the download of " + ref.id() + " to " + part + ": " + StagingCache.describe(e), e);
        }
        long expectedSize = length >= 0 ? length : ref.size();
        if (expectedSize >= 0 && written != expectedSize || ref.size() >= 0 && written != ref.size()) {
            throw stageFailure("the download of " + ref.id() + " ended after " + written + " of " + Math.max(expectedSize, ref.size())
                    + " bytes; nothing was loaded", null, false);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        LOG.log(System.Logger.Level.INFO, "{0}: downloaded {1} ({2} bytes, {3} MB/s)", settings.location(), ref, Long.toString(written),
                String.format(Locale.ROOT, "%.1f", written / 1e6 / Math.max(seconds, 1e-9)));
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * A stage that failed on the network (or was refused access): recorded in the health, backed
     * off like a failed poll, and thrown as {@link StoreUnavailableException} so that the core
     * tries the same checkpoint again later instead of remembering it as bad.
     */
    private StoreUnavailableException stageFailure(String reason, Throwable cause, boolean reached) {
        Instant now = clock.instant();
        State after = update(s -> {
            int failures = s.health().consecutiveFailures() + 1;
            SourceHealth h = new SourceHealth(reached, reached ? Optional.of(now) : s.health().lastReached(), Optional.of(reason), failures);
            return new State(s.current(), s.pointerEtag(), h, now.plus(backoff(failures)));
        });
        LOG.log(System.Logger.Level.WARNING, "{0}: {1} ({2} failures in a row; the same checkpoint is tried again in {3} ms)",
                settings.location(), reason, Integer.toString(after.health().consecutiveFailures()),
                Long.toString(Duration.between(now, after.nextAttempt()).toMillis()));
        return new StoreUnavailableException(reason, cause);
    }

    /** A whole stage reached the store: whatever failed before is over. */
    private void stageSucceeded() {
        Instant now = clock.instant();
        update(s -> new State(s.current(), s.pointerEtag(), reached(now), Instant.MIN));
    }

    /** A small sidecar object, or empty when it does not exist. */
    private Optional<byte[]> readSidecar(String key) throws SourceException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(g -> g.bucket(settings.location().bucket()).key(key)
                .overrideConfiguration(o -> o.apiCallTimeout(SMALL_CALL_TIMEOUT)))) {
            byte[] body = readUpTo(in, MAX_SIDECAR_BYTES + 1);
            if (body.length > MAX_SIDECAR_BYTES) {
                throw new SourceException(settings.location().uriOf(key) + " is over " + MAX_SIDECAR_BYTES + " bytes; a sidecar is small");
            }
            return Optional.of(body);
        } catch (SdkServiceException e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw stageFailure(reason(e, "reading the sidecar " + settings.location().uriOf(key)), e, reachedDespite(e));
        } catch (SdkException e) {
            throw stageFailure(reason(e, "reading the sidecar " + settings.location().uriOf(key)), e, false);
        } catch (IOException e) {
            throw stageFailure("reading the sidecar " + settings.location().uriOf(key) + " was cut off: " + e.getMessage(), e, false);
        }
    }

    private static byte[] readUpTo(InputStream in, int limit) throws IOException {
        return in.readNBytes(limit);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String toString() {
        return "S3CheckpointSource[" + description + "]";
    }
}
