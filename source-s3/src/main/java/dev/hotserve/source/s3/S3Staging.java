package dev.hotserve.source.s3;

import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.NotYetCompleteException;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.StagedCheckpoint;
import dev.hotserve.source.s3.StoreState.State;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The staging of an S3 checkpoint: nothing partial is handed out. It downloads into a hidden
 * temporary file of the model's cache folder, hashing as it writes; only when the byte count
 * equals the object's length and the sha256 equals the declared one (the pointer's, else the
 * {@code <key>.sha256} object's) is the file renamed into place. The download asks for the ETag
 * the poll saw ({@code If-Match}), so bytes written after the poll are never taken for the
 * polled version. Runs on one thread at a time (the core's loader).
 */
final class S3Staging {

    private static final System.Logger LOG = System.getLogger(S3Staging.class.getName());
    /** Sidecars are a digest and a small JSON; anything bigger is not one. */
    private static final int MAX_SIDECAR_BYTES = 1 << 20;

    private final S3SourceSettings settings;
    private final S3Client s3;
    private final InstantSource clock;
    private final StagingCache cache;
    private final StoreState state;

    S3Staging(S3SourceSettings settings, S3Client s3, InstantSource clock, StagingCache cache, StoreState state) {
        this.settings = settings;
        this.s3 = s3;
        this.clock = clock;
        this.cache = cache;
        this.state = state;
    }

    /** A complete, hashed local copy of {@code ref} and its sidecars in the cache, or why not. */
    StagedCheckpoint stage(CheckpointRef ref) throws SourceException {
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
        state.stageSucceeded(clock.instant());
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
        String objectTag = PointerPoll.objectTag(ref.changeToken());
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
                state.forgetPointerEtag();
                throw new NotYetCompleteException(ref.id() + " changed after it was polled (rewritten in place); the next poll takes the new bytes");
            }
            if (e.statusCode() == 404) {
                throw new SourceException(ref.id() + " no longer exists (deleted after it was polled); nothing was loaded", e);
            }
            throw stageFailure(StoreErrors.reason(settings, e, "downloading " + ref.id()), e, StoreErrors.reachedDespite(e));
        } catch (SdkException e) {
            throw stageFailure(StoreErrors.reason(settings, e, "downloading " + ref.id()), e, false);
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
        State after = state.stageFailed(reason, reached, now);
        LOG.log(System.Logger.Level.WARNING, "{0}: {1} ({2} failures in a row; the same checkpoint is tried again in {3} ms)",
                settings.location(), reason, Integer.toString(after.health().consecutiveFailures()),
                Long.toString(Duration.between(now, after.nextAttempt()).toMillis()));
        return new StoreUnavailableException(reason, cause);
    }

    /** A small sidecar object, or empty when it does not exist. */
    private Optional<byte[]> readSidecar(String key) throws SourceException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(g -> g.bucket(settings.location().bucket()).key(key)
                .overrideConfiguration(o -> o.apiCallTimeout(PointerPoll.SMALL_CALL_TIMEOUT)))) {
            byte[] body = readUpTo(in, MAX_SIDECAR_BYTES + 1);
            if (body.length > MAX_SIDECAR_BYTES) {
                throw new SourceException(settings.location().uriOf(key) + " is over " + MAX_SIDECAR_BYTES + " bytes; a sidecar is small");
            }
            return Optional.of(body);
        } catch (SdkServiceException e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw stageFailure(StoreErrors.reason(settings, e, "reading the sidecar " + settings.location().uriOf(key)), e, StoreErrors.reachedDespite(e));
        } catch (SdkException e) {
            throw stageFailure(StoreErrors.reason(settings, e, "reading the sidecar " + settings.location().uriOf(key)), e, false);
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
}
