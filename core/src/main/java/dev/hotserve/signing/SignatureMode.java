package dev.hotserve.signing;

import java.util.Locale;

/** README, "Signed checkpoints"'s {@code HOTSERVE_SIGNATURES}: what a load does with a checkpoint's {@code .sig}. */
public enum SignatureMode {
    /** Signatures are not read (the default). */
    OFF,
    /** An unsigned or badly signed checkpoint loads, with a warning. */
    WARN,
    /** Only a checkpoint whose signature verifies against a trusted key loads. */
    ENFORCE;

    /** {@code off}, {@code warn} or {@code enforce}, any case. */
    public static SignatureMode parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("signatures must be off, warn or enforce, not '" + s + "'", e);
        }
    }
}
