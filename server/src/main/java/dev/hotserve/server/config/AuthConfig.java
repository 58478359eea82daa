package dev.hotserve.server.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Bearer keys. Empty means not required. {@link #toString()} never shows a key, so the record
 * can be logged safely.
 *
 * @param apiKey required by every route but health when present
 * @param adminKey required by reload, rollback, unpin and benchmark when present
 */
public record AuthConfig(Optional<String> apiKey, Optional<String> adminKey) {

    public AuthConfig {
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(adminKey, "adminKey");
    }

    public static AuthConfig none() {
        return new AuthConfig(Optional.empty(), Optional.empty());
    }

    @Override
    public String toString() {
        return "AuthConfig[apiKey=" + (apiKey.isPresent() ? "set" : "unset") + ", adminKey="
                + (adminKey.isPresent() ? "set" : "unset") + "]";
    }
}
