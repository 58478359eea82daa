package dev.hotserve.source.s3;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A model's place in a bucket: {@code s3://bucket/prefix/}. Keys of checkpoints, sidecars and the
 * pointer are the prefix plus a relative name; an empty prefix is the bucket's top level.
 *
 * @param bucket the bucket name
 * @param prefix empty, or ending with {@code /}
 */
public record S3Location(String bucket, String prefix) {

    /** Lenient on purpose: S3 itself and the S3-compatible stores each have their own rules. */
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    /** The name of the pointer object under the prefix. */
    public static final String POINTER = "LATEST";

    public S3Location {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(prefix, "prefix");
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("bucket name must be letters, digits, '.', '_' or '-', was '" + bucket + "'");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix must be empty or end with '/', was '" + prefix + "'");
        }
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException("prefix must not start with '/', was '" + prefix + "'");
        }
    }

    /**
     * Parses {@code s3://bucket/prefix/}. A prefix without its trailing slash gets one: a model's
     * checkpoints are a folder, never a key-name prefix such as {@code runs/model_}.
     *
     * @throws IllegalArgumentException with a message naming the value when it is not such a URI
     */
    public static S3Location parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        String s = uri.trim();
        if (!s.startsWith("s3://")) {
            throw new IllegalArgumentException("an S3 source must look like s3://bucket/prefix/, was '" + uri + "'");
        }
        String rest = s.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("an S3 source must name a bucket (s3://bucket/prefix/), was '" + uri + "'");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        return new S3Location(bucket, prefix);
    }

    /** The key of {@code relative} under the prefix. */
    public String key(String relative) {
        return prefix + relative;
    }

    /** The pointer's key, {@code <prefix>LATEST}. */
    public String pointerKey() {
        return key(POINTER);
    }

    /** {@code s3://bucket/key}. */
    public String uriOf(String key) {
        return "s3://" + bucket + "/" + key;
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + prefix;
    }
}
