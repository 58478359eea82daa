package dev.hotserve.source.s3;

import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.CheckpointSource;
import dev.hotserve.source.SourceException;
import dev.hotserve.source.SourceHealth;
import dev.hotserve.source.StagedCheckpoint;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Checkpoints under an S3 prefix (README, "Run a fleet"). Which one serves: the key named by the
 * {@code <prefix>LATEST} pointer object when there is one, else the newest key matching the glob
 * (by LastModified, ties by the greatest name).
 *
 * <p><b>No request waits on the network.</b> {@link #poll()} (the shared poller's thread, see
 * {@link PointerPoll}) does all the asking. {@link #current()} answers from what the
 * last successful poll found, from a volatile read. After a failed poll, the next ones are skipped
 * for a backoff that doubles per failure in a row (with jitter, so a fleet does not retry in step)
 * up to a maximum; {@link #health()} says so.
 *
 * <p><b>Nothing partial is handed out</b> ({@link S3Staging}). Keys are meant to be immutable (publish a new key, then flip the pointer); a
 * key rewritten in place is noticed at its next stage and re-resolved by the next poll.
 *
 * <p>Thread-safety: {@link #current()} and {@link #health()} from any thread; {@link #poll()} and
 * {@link #stage} each from one thread at a time (the core's poller and loader).
 */
public final class S3CheckpointSource implements CheckpointSource {


    private final S3SourceSettings settings;
    private final S3Client s3;
    private final InstantSource clock;
    private final PathMatcher matcher;
    private final StagingCache cache;
    private final String description;
    private final StoreState state;
    private final PointerPoll poll;
    private final S3Staging staging;

    private S3CheckpointSource(S3SourceSettings settings, S3Client s3, InstantSource clock) {
        this.settings = settings;
        this.s3 = s3;
        this.clock = clock;
        this.matcher = FileSystems.getDefault().getPathMatcher("glob:" + settings.glob());
        this.cache = new StagingCache(settings.cacheDir(), settings.keepStaged(), clock);
        this.description = settings.location() + " (" + settings.glob() + ")" + settings.endpoint().map(e -> " at " + e).orElse("");
        this.state = new StoreState(settings);
        this.poll = new PointerPoll(settings, s3, clock, matcher, state);
        this.staging = new S3Staging(settings, s3, clock, cache, state);
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

    @Override
    public void poll() {
        poll.poll();
    }

    @Override
    public StagedCheckpoint stage(CheckpointRef ref) throws SourceException {
        return staging.stage(ref);
    }

    /** The object's own ETag within a change token, as the download's {@code If-Match} needs it. */
    static String objectTag(String changeToken) {
        return PointerPoll.objectTag(changeToken);
    }

    static MessageDigest sha256() {
        return S3Staging.sha256();
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
