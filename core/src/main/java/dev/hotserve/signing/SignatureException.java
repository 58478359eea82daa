package dev.hotserve.signing;

import java.util.Objects;
import java.util.Optional;

/**
 * Why a checkpoint's signature was refused (README, "Signed checkpoints"), or why a key file or signing input was unusable.
 * Every bad input to this package ends in this one exception, with a {@link Reason}; an
 * {@link java.io.IOException} means only that the disk failed to read.
 */
public final class SignatureException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The closed set of refusals; {@link #label()} is the stable metric and event label. */
    public enum Reason {
        /** No signature where one was expected. */
        UNSIGNED("unsigned"),
        /** The signature does not verify over the envelope with the key it names. */
        BAD_SIGNATURE("bad_signature"),
        /** The signer's key (or certificate chain) is not one we trust. */
        UNTRUSTED_KEY("untrusted_key"),
        /** A file's bytes do not hash to the digest that was signed. */
        DIGEST_MISMATCH("digest_mismatch"),
        /** A file is present that the statement does not list. */
        EXTRA_FILE("extra_file"),
        /** The statement lists a file that is not there. */
        MISSING_FILE("missing_file"),
        /** The bundle is not a well-formed OMS bundle (JSON, envelope, statement, sizes, algorithms). */
        MALFORMED_BUNDLE("malformed_bundle"),
        /** A PEM key or certificate file could not be read as one. */
        MALFORMED_KEY("malformed_key");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Reason reason;

    public SignatureException(Reason reason, String message) {
        super(reason.label() + ": " + message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public SignatureException(Reason reason, String message, Throwable cause) {
        super(reason.label() + ": " + message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    private static final String REFUSED = "signature refused (";

    /** How a load refused for its signature says so, first in its reason: {@code signature refused (<label>)}. */
    public static String refusal(Reason reason) {
        return REFUSED + reason.label() + ")";
    }

    /** The reason a load's error names by {@link #refusal}, if it begins with one. */
    public static Optional<Reason> refusedIn(String loadError) {
        if (loadError == null || !loadError.startsWith(REFUSED)) {
            return Optional.empty();
        }
        int end = loadError.indexOf(')', REFUSED.length());
        String label = end < 0 ? "" : loadError.substring(REFUSED.length(), end);
        for (Reason r : Reason.values()) {
            if (r.label().equals(label)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public Reason reason() {
        return reason;
    }
}
