package dev.hotserve.server.http;

import dev.hotserve.core.ModelVersion;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A finished response, built before anything is sent, so that a failure half-way through a
 * handler can still become a clean error response.
 *
 * @param version the model version that answered: sent as {@code X-Model-Generation} and {@code X-Model-Path}
 */
public record Reply(int status, String contentType, byte[] body, Optional<ModelVersion> version, Map<String, String> headers) {

    static final String JSON = "application/json";

    public Reply {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(version, "version");
        headers = Map.copyOf(headers);
    }

    static Reply json(int status, byte[] body, ModelVersion version) {
        return new Reply(status, JSON, body, Optional.ofNullable(version), Map.of());
    }
}
