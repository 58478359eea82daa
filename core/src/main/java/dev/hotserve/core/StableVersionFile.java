package dev.hotserve.core;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hotserve.source.CheckpointSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The rollout's stable version written down, so that a restart during a rollout serves stable
 * again rather than the candidate. The file is the operator's, but what it names is not trusted:
 * it may have been written by another deployment sharing the state directory, or before the
 * model's source changed. A recorded version is restored only when it was written for this
 * model and this source, the source still {@linkplain CheckpointSource#holds holds} it, and its
 * bytes still hash to the recorded sha256 (docs/architecture.md, "Durable state").
 *
 * <p>Written atomically (a hidden temporary, then a rename), so a crash mid-write leaves the old
 * file or the new one. Not thread-safe: written under the reload lock.
 */
final class StableVersionFile {

    /** More than any real record needs; a larger file is not one of ours. */
    static final long MAX_BYTES = 64 * 1024;

    private final Path file;
    private final String model;
    private final CheckpointSource source;
    private final InstantSource clock;
    private final ObjectMapper json = new ObjectMapper();

    StableVersionFile(Path file, String model, CheckpointSource source, InstantSource clock) {
        this.file = file;
        this.model = model;
        this.source = source;
        this.clock = clock;
        json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxStringLength(16 * 1024).build());
    }

    Path file() {
        return file;
    }

    /** Writes down {@code stable} with the model and the source it belongs to. */
    void write(ModelVersion stable) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ObjectNode o = json.createObjectNode();
        o.put("model", model).put("source", source.describe()).put("version", stable.name()).put("ref", stable.source())
                .put("path", stable.path().toString()).put("sha256", stable.sha256()).put("written_at", clock.instant().toString());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.write(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp); // a write cut short by a full disk leaves nothing behind; the record stays as it was
            throw e;
        }
    }

    /** What an earlier run wrote down, or why it cannot be restored. */
    sealed interface Recorded permits Restorable, Ignored, Absent {}

    /** A version this model may serve again: its local file and the digest its bytes must have. */
    record Restorable(Path path, String sha256) implements Recorded {}

    /** A record that must not be restored, and why (for the reload log). */
    record Ignored(String reason) implements Recorded {}

    /** Nothing written down. */
    record Absent() implements Recorded {}

    /**
     * Reads the record and checks it against the model, the source and the bytes on disk. Hashes
     * the recorded file once, at start-up only; the load that follows checks the digest again on
     * the bytes the engine reads.
     */
    Recorded read() {
        JsonNode o;
        try {
            if (!Files.isRegularFile(file)) {
                return new Absent();
            }
            if (Files.size(file) > MAX_BYTES) {
                return new Ignored(file + " is over " + MAX_BYTES + " bytes: not a record of ours");
            }
            o = json.readTree(file.toFile());
        } catch (IOException | RuntimeException e) {
            return new Ignored("cannot read " + file + ": " + e.getMessage());
        }
        String recordedModel = o.path("model").asText(null);
        String recordedSource = o.path("source").asText(null);
        String ref = o.path("ref").asText(null);
        String path = o.path("path").asText(null);
        String sha = o.path("sha256").asText(null);
        if (recordedModel == null || recordedSource == null || ref == null || path == null || sha == null || !sha.matches("[0-9a-f]{64}")) {
            return new Ignored(file + " lacks the model, source, ref, path or sha256 a restore needs (written by an older version?)");
        }
        if (!recordedModel.equals(model)) {
            return new Ignored(file + " was written for model '" + recordedModel + "'");
        }
        if (!recordedSource.equals(source.describe())) {
            return new Ignored(file + " was written for " + recordedSource + ", and this model now follows " + source.describe());
        }
        Path local;
        try {
            local = Path.of(path);
        } catch (InvalidPathException e) {
            return new Ignored(file + " names an impossible path");
        }
        if (!source.holds(ref, local)) {
            return new Ignored(file + " names " + ref + ", which is not a checkpoint of " + source.describe());
        }
        if (!Files.isRegularFile(local)) {
            return new Ignored("the stable version " + ref + " written down is gone");
        }
        try {
            String actual = sha256(local);
            if (!actual.equals(sha)) {
                return new Ignored("the stable version " + ref + " has changed since it was written down (sha256 " + actual.substring(0, 12)
                        + ", recorded " + sha.substring(0, 12) + ")");
            }
        } catch (IOException e) {
            return new Ignored("cannot read the stable version " + local + ": " + e.getMessage());
        }
        return new Restorable(local, sha);
    }

    private static String sha256(Path p) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
