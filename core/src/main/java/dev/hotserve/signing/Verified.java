package dev.hotserve.signing;

/** A signature that verified: who signed, the model's name as signed, and the bundle's sha256 (hex). */
public record Verified(Signer signer, String subjectName, String bundleSha256) {}
