package dev.hotserve.server.inference;

import dev.hotserve.server.config.AuthConfig;
import dev.hotserve.server.inference.AccessDeniedException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

/**
 * The auth stage in front of every route and RPC (SECURITY.md): REST passes its
 * {@code Authorization} header, gRPC its {@code authorization} metadata. Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, so neither the content nor the length of a key leaks through
 * timing; keys are never logged or echoed.
 */
public final class Access {

    /** What a route needs. */
    public enum Level {
        /** No key ever (health). */
        PUBLIC,
        /** The API key when one is set; the admin key is accepted too. */
        USER,
        /** The admin key when one is set (reload, rollback, unpin, benchmark); else as {@link #USER}. */
        ADMIN
    }

    private final byte[] apiDigest;
    private final byte[] adminDigest;

    public Access(AuthConfig auth) {
        this.apiDigest = auth.apiKey().map(Access::digest).orElse(null);
        this.adminDigest = auth.adminKey().map(Access::digest).orElse(null);
    }

    /** Passes, or throws {@link AccessDeniedException} (401 / 403, UNAUTHENTICATED / PERMISSION_DENIED). */
    public void check(Level level, Optional<String> authorization) {
        if (level == Level.PUBLIC) {
            return;
        }
        boolean adminRoute = level == Level.ADMIN && adminDigest != null;
        if (!adminRoute && apiDigest == null) {
            return;
        }
        byte[] presented = bearer(authorization);
        if (presented == null) {
            throw new AccessDeniedException(Reason.MISSING_KEY,
                    "this route needs 'Authorization: Bearer <" + (adminRoute ? "admin" : "API") + " key>'");
        }
        boolean isAdmin = adminDigest != null && MessageDigest.isEqual(presented, adminDigest);
        boolean isUser = apiDigest != null && MessageDigest.isEqual(presented, apiDigest);
        if (adminRoute) {
            if (isAdmin) {
                return;
            }
            if (isUser) {
                throw new AccessDeniedException(Reason.NOT_ADMIN, "this route needs the admin key; the API key is not enough");
            }
            throw new AccessDeniedException(Reason.INVALID_KEY, "the bearer key is not valid");
        }
        if (!isUser && !isAdmin) {
            throw new AccessDeniedException(Reason.INVALID_KEY, "the bearer key is not valid");
        }
    }

    /** The digest of the presented bearer token, or null when there is none. */
    private static byte[] bearer(Optional<String> header) {
        if (header.isEmpty()) {
            return null;
        }
        String h = header.get().trim();
        if (h.length() < 7 || !h.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return null;
        }
        String token = h.substring(7).trim();
        return token.isEmpty() ? null : digest(token);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
