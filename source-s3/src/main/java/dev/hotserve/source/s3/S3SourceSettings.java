package dev.hotserve.source.s3;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How one model follows an S3 prefix.
 *
 * @param location {@code s3://bucket/prefix/}
 * @param endpoint an S3-compatible store (MinIO, Ceph, S3Proxy); empty: AWS itself. An override
 *     also switches to path-style addressing, which those stores expect
 * @param cacheDir this model's own folder of staged checkpoints (nothing else may write there)
 * @param glob candidate names under the prefix when there is no pointer
 * @param keepStaged staged checkpoints kept on disk for rollback, the newest staged or reused first
 * @param initialBackoff the wait after the first failed poll; it doubles per failure in a row
 * @param maxBackoff the longest wait between failed polls
 * @param credentials empty: the standard AWS chain (environment, system properties, profiles,
 *     web identity, container and instance roles)
 * @param region empty: the standard region chain, else {@code us-east-1} (what S3-compatible
 *     stores accept)
 * @param signatures whether each checkpoint's {@code <key>.sig} is staged with it and is part of
 *     its change token, so that a signature uploaded after its checkpoint is picked up (README, "Signed checkpoints")
 */
public record S3SourceSettings(
        S3Location location,
        Optional<URI> endpoint,
        Path cacheDir,
        String glob,
        int keepStaged,
        Duration initialBackoff,
        Duration maxBackoff,
        Optional<AwsCredentialsProvider> credentials,
        Optional<String> region,
        boolean signatures) {

    public static final String DEFAULT_GLOB = "model_*.{onnx,pt}";
    public static final int DEFAULT_KEEP_STAGED = 3;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(500);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);

    public S3SourceSettings {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(endpoint, "endpoint");
        endpoint.ifPresent(S3SourceSettings::checkEndpoint);
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(glob, "glob");
        if (glob.isBlank()) {
            throw new IllegalArgumentException("glob must not be blank");
        }
        if (keepStaged < 1) {
            throw new IllegalArgumentException("staged checkpoints kept must be at least 1, was " + keepStaged);
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff must be positive and at most its maximum, was " + initialBackoff + " up to " + maxBackoff);
        }
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(region, "region");
    }

    /** Defaults for everything but where to read and where to stage. */
    public static S3SourceSettings of(S3Location location, Optional<URI> endpoint, Path cacheDir) {
        return new S3SourceSettings(location, endpoint, cacheDir, DEFAULT_GLOB, DEFAULT_KEEP_STAGED, DEFAULT_INITIAL_BACKOFF,
                DEFAULT_MAX_BACKOFF, Optional.empty(), Optional.empty(), false);
    }

    public S3SourceSettings withGlob(String g) {
        return new S3SourceSettings(location, endpoint, cacheDir, g, keepStaged, initialBackoff, maxBackoff, credentials, region, signatures);
    }

    public S3SourceSettings withKeepStaged(int n) {
        return new S3SourceSettings(location, endpoint, cacheDir, glob, n, initialBackoff, maxBackoff, credentials, region, signatures);
    }

    public S3SourceSettings withBackoff(Duration initial, Duration max) {
        return new S3SourceSettings(location, endpoint, cacheDir, glob, keepStaged, initial, max, credentials, region, signatures);
    }

    public S3SourceSettings withSignatures(boolean on) {
        return new S3SourceSettings(location, endpoint, cacheDir, glob, keepStaged, initialBackoff, maxBackoff, credentials, region, on);
    }

    public S3SourceSettings withCredentials(AwsCredentialsProvider provider) {
        return new S3SourceSettings(location, endpoint, cacheDir, glob, keepStaged, initialBackoff, maxBackoff, Optional.of(provider), region, signatures);
    }

    /**
     * An endpoint must be an absolute http(s) URI with a host: the SDK would otherwise fail on
     * the first request, far from the setting that caused it.
     */
    public static URI checkEndpoint(URI endpoint) {
        String scheme = endpoint.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("an S3 endpoint must be an http:// or https:// URL with a host, was '" + endpoint + "'");
        }
        return endpoint;
    }

    @Override
    public String toString() {
        // Never the credentials themselves.
        return "S3SourceSettings[" + location + endpoint.map(e -> " at " + e).orElse("") + ", cache " + cacheDir + ", glob " + glob
                + ", keep " + keepStaged + ", backoff " + initialBackoff + ".." + maxBackoff
                + credentials.map(c -> ", explicit credentials").orElse("") + region.map(r -> ", region " + r).orElse("") + "]";
    }
}
