package dev.hotserve.source.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class S3LocationTest {

    @Test
    void bucketAndPrefix() {
        S3Location l = S3Location.parse("s3://models/sac/prod/");
        assertThat(l.bucket()).isEqualTo("models");
        assertThat(l.prefix()).isEqualTo("sac/prod/");
        assertThat(l.pointerKey()).isEqualTo("sac/prod/LATEST");
        assertThat(l).hasToString("s3://models/sac/prod/");
    }

    @Test
    void aPrefixWithoutSlashIsAFolder() {
        assertThat(S3Location.parse("s3://models/sac").prefix()).isEqualTo("sac/");
    }

    @Test
    void bucketTopLevel() {
        assertThat(S3Location.parse("s3://models").prefix()).isEmpty();
        assertThat(S3Location.parse("s3://models/").pointerKey()).isEqualTo("LATEST");
    }

    @Test
    void otherSchemesAreRefusedWithTheValue() {
        assertThatThrownBy(() -> S3Location.parse("gs://models/sac/")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s3://bucket/prefix/").hasMessageContaining("gs://models/sac/");
    }

    @Test
    void aMissingBucketIsRefused() {
        assertThatThrownBy(() -> S3Location.parse("s3:///sac/")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must name a bucket");
    }
}
