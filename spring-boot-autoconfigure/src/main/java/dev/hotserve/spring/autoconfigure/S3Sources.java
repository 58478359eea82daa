package dev.hotserve.spring.autoconfigure;

import dev.hotserve.signing.SignatureMode;
import dev.hotserve.source.s3.S3CheckpointSource;
import dev.hotserve.source.s3.S3Location;
import dev.hotserve.source.s3.S3SourceSettings;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Optional;
import org.springframework.validation.Errors;

/**
 * Everything that touches {@code hotserve-source-s3}, kept out of the classes that load without
 * it: this class is only loaded once a model names an {@code s3://} source and the module is on
 * the class path.
 */
final class S3Sources {

    private S3Sources() {}

    static void check(HotserveProperties.Model m, String at, Errors errors) {
        try {
            S3Location.parse(m.getSource());
        } catch (IllegalArgumentException e) {
            errors.rejectValue(at + ".source", "hotserve.source", e.getMessage());
        }
        if (m.getS3Endpoint() != null) {
            try {
                S3SourceSettings.checkEndpoint(m.getS3Endpoint());
            } catch (IllegalArgumentException e) {
                errors.rejectValue(at + ".s3-endpoint", "hotserve.source",
                        "an S3 endpoint must be an http:// or https:// URL with a host: " + e.getMessage());
            }
        }
    }

    /**
     * The model's source, polled once now so that its first checkpoint loads during start-up, as
     * the server does (a store that cannot be reached costs one refused connection or the call
     * timeout; the model reports DOWN until a later poll succeeds).
     */
    static S3CheckpointSource open(String name, HotserveProperties.Model m) {
        Path cacheRoot = m.getCacheDir() != null ? m.getCacheDir().toAbsolutePath()
                : Path.of(System.getProperty("user.home"), ".cache", "hotserve");
        S3SourceSettings settings = S3SourceSettings.of(S3Location.parse(m.getSource()), Optional.ofNullable(m.getS3Endpoint()),
                        cacheRoot.resolve(name))
                .withKeepStaged(m.getCacheKeep())
                .withGlob(m.getGlob())
                .withSignatures(m.getSignatures() != SignatureMode.OFF);
        S3CheckpointSource source = S3CheckpointSource.open(settings, InstantSource.system());
        source.poll();
        return source;
    }
}
