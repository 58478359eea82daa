package dev.hotserve.source.s3;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/** What a failed call to the store means, in words and for the backoff. */
final class StoreErrors {

    private StoreErrors() {}

    /** Words for a failed call: what was being done, and what the store (or the network) said. */
    static String reason(S3SourceSettings settings, SdkException e, String doing) {
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

    static boolean reachedDespite(SdkException e) {
        // The store answered; only an authorisation refusal or a server error means we cannot use it.
        return e instanceof SdkServiceException se && se.statusCode() != 401 && se.statusCode() != 403 && se.statusCode() < 500;
    }

    static boolean isNoSuchBucket(SdkServiceException e) {
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
}
