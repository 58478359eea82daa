package dev.hotserve.signing;

import java.util.Objects;

/**
 * Who signed a verified checkpoint: always the hint of the key (hex sha256 of its public key's PEM),
 * and for the certificate method the signing certificate's subject.
 */
public record Signer(String keyHint, String certificateSubject) {

    public Signer {
        Objects.requireNonNull(keyHint, "keyHint");
    }

    /** {@code key sha256:<hint>}, or {@code certificate <subject> (key sha256:<hint>)}: for the info route and the reload log. */
    public String describe() {
        return certificateSubject == null
                ? "key sha256:" + keyHint
                : "certificate " + certificateSubject + " (key sha256:" + keyHint + ")";
    }
}
