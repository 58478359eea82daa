package dev.hotserve.source.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hotserve.source.CheckpointRef;
import dev.hotserve.source.SourceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.FileSystems;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One model's folder of staged checkpoints. A checkpoint is there under a name made from a hash
 * of its key ({@link #stagedName}), beside its sidecars ({@code .json}, {@code .sha256}) and a record of what it holds
 * ({@code .staged}: the object's id, ETag, size and sha256). The record is written last, so a
 * checkpoint without one is unfinished and never reused. A download in progress lives under a
 * hidden {@code .<name>.part} name and is renamed into place only once complete and verified.
 *
 * <p>The most recently staged or reused {@code keep} checkpoints stay (the mtime of their record
 * says when); everything else in the folder is deleted after each stage. Not thread-safe: the
 * source stages one checkpoint at a time.
 */
final class StagingCache {

    private static final System.Logger LOG = System.getLogger(StagingCache.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String RECORD = ".staged";
    static final String PART = ".part";
    /** Beside the staged file, where the load's signature check looks for it. */
    static final String SIGNATURE = ".sig";

    private final Path dir;
    private final int keep;
    private final InstantSource clock;

    /** What a staged file holds, read back from its record. */
    record Entry(String id, String changeToken, long size, String sha256) {}

    StagingCache(Path dir, int keep, InstantSource clock) {
        this.dir = dir.toAbsolutePath().normalize();
        this.keep = keep;
        this.clock = clock;
    }

    Path dir() {
        return dir;
    }

    /**
     * The local name of the object at {@code key}: a hash of the key plus the file's extension
     * (which tells the engine), never the remote name itself, so no key can choose where or under
     * what name anything is written (SECURITY.md).
     */
    static String stagedName(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 && name.substring(dot + 1).matches("[A-Za-z0-9]{1,8}") ? name.substring(dot) : "";
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "ckpt-" + HexFormat.of().formatHex(h, 0, 12) + ext;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The hidden name a download is written to (truncating any leftover of an earlier attempt). */
    Path prepare(String fileName) throws SourceException {
        Path part = dir.resolve("." + fileName + PART);
        try {
            // The engine loads the staged bytes where they lie, after they were hashed: a folder this
            // source makes is its own (rwx------), so nobody else can replace them in between.
            Files.createDirectories(dir, ownerOnly());
        } catch (IOException e) {
            throw new SourceException("cannot prepare the cache folder " + dir + ": " + describe(e), e);
        }
        return part;
    }

    /**
     * The kept copy of exactly {@code ref}'s bytes, re-hashed to prove it is intact, with its
     * digest; empty when there is none (or it no longer matches its record, and is then deleted).
     */
    Optional<String> reuse(CheckpointRef ref, String fileName) {
        Path file = dir.resolve(fileName);
        Path record = dir.resolve(fileName + RECORD);
        try {
            Optional<Entry> entry = readRecord(record);
            // The object's own tag: a signature that arrived later changes the ref's token, not these bytes.
            if (entry.isEmpty() || !entry.get().id().equals(ref.id())
                    || !S3CheckpointSource.objectTag(entry.get().changeToken()).equals(S3CheckpointSource.objectTag(ref.changeToken()))
                    || !Files.isRegularFile(file) || Files.size(file) != entry.get().size()) {
                return Optional.empty();
            }
            String actual = sha256Of(file);
            if (!actual.equals(entry.get().sha256())) {
                LOG.log(System.Logger.Level.WARNING, "cached {0} no longer matches its record (sha256 {1}, recorded {2}); downloading it again",
                        file, actual, entry.get().sha256());
                Files.deleteIfExists(record);
                return Optional.empty();
            }
            return Optional.of(actual);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot reuse cached " + file + "; downloading it again", e);
            return Optional.empty();
        }
    }

    /**
     * Makes {@code fileName} hold the verified bytes of {@code ref}: the completed download
     * {@code part} is renamed into place (or, when {@code part} is empty, the reused file stays),
     * the sidecars (and the signature, {@code .sig}) are written or removed, and the record is
     * written last. Then cleans up.
     *
     * @return the local checkpoint and its sidecars' local paths
     */
    Staged commit(CheckpointRef ref, String fileName, Optional<Path> part, String sha256, Optional<byte[]> json, Optional<byte[]> sha256Sidecar,
            Optional<byte[]> signature) throws SourceException {
        Path file = dir.resolve(fileName);
        Path record = dir.resolve(fileName + RECORD);
        try {
            Optional<Path> jsonPath = writeOrRemove(dir.resolve(fileName + ".json"), json);
            Optional<Path> shaPath = writeOrRemove(dir.resolve(fileName + ".sha256"), sha256Sidecar);
            writeOrRemove(dir.resolve(fileName + SIGNATURE), signature);
            if (part.isPresent()) {
                // A record that outlived its file must not vouch for the new bytes, even for a moment.
                Files.deleteIfExists(record);
                Files.move(part.get(), file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                ObjectNode r = JSON.createObjectNode();
                r.put("id", ref.id()).put("change_token", ref.changeToken()).put("size", Files.size(file)).put("sha256", sha256);
                writeAtomically(record, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(r));
            }
            // The record's mtime is when the checkpoint was last staged: what cleanup keeps by.
            Files.setLastModifiedTime(record, FileTime.from(clock.instant()));
            cleanup();
            return new Staged(file, jsonPath, shaPath);
        } catch (IOException e) {
            part.ifPresent(this::discard);
            throw new SourceException("cannot write " + fileName + " into the cache folder " + dir + ": " + describe(e), e);
        }
    }

    /** Where the committed checkpoint and its sidecars lie. */
    record Staged(Path file, Optional<Path> json, Optional<Path> sha256) {}

    /** Removes an unfinished download. */
    void discard(Path part) {
        try {
            Files.deleteIfExists(part);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete the unfinished download " + part + " (the next stage retries)", e);
        }
    }

    /**
     * Keeps the {@code keep} most recently staged checkpoints with their sidecars and records;
     * deletes every other file of the folder (older checkpoints, unfinished downloads, files
     * without a record).
     */
    void cleanup() throws IOException {
        record Kept(String fileName, Instant stagedAt) {}
        List<Kept> staged = new ArrayList<>();
        List<Path> all = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                all.add(p);
                String name = p.getFileName().toString();
                if (name.endsWith(RECORD) && !name.startsWith(".")) {
                    String fileName = name.substring(0, name.length() - RECORD.length());
                    if (Files.isRegularFile(dir.resolve(fileName))) {
                        staged.add(new Kept(fileName, Files.getLastModifiedTime(p).toInstant()));
                    }
                }
            }
        }
        staged.sort(Comparator.comparing(Kept::stagedAt).thenComparing(Kept::fileName).reversed());
        Set<String> keepNames = new HashSet<>();
        for (Kept k : staged.subList(0, Math.min(keep, staged.size()))) {
            keepNames.add(k.fileName());
            keepNames.add(k.fileName() + ".json");
            keepNames.add(k.fileName() + ".sha256");
            keepNames.add(k.fileName() + SIGNATURE);
            keepNames.add(k.fileName() + RECORD);
        }
        for (Path p : all) {
            // Files and links only (a leftover download may be a link): sub-folders are not ours to judge.
            boolean file = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(p);
            if (file && !keepNames.contains(p.getFileName().toString())) {
                Files.deleteIfExists(p);
                LOG.log(System.Logger.Level.DEBUG, "cache cleanup: deleted {0}", p);
            }
        }
    }

    private static Optional<Entry> readRecord(Path record) {
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(record));
            if (n == null || !n.isObject() || !n.path("id").isTextual() || !n.path("change_token").isTextual() || !n.path("size").canConvertToLong()
                    || !n.path("sha256").isTextual()) {
                return Optional.empty();
            }
            return Optional.of(new Entry(n.get("id").asText(), n.get("change_token").asText(), n.get("size").asLong(), n.get("sha256").asText()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "unreadable cache record " + record, e);
            return Optional.empty();
        }
    }

    private static Optional<Path> writeOrRemove(Path target, Optional<byte[]> bytes) throws IOException {
        if (bytes.isEmpty()) {
            Files.deleteIfExists(target);
            return Optional.empty();
        }
        writeAtomically(target, bytes.get());
        return Optional.of(target);
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + PART);
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    static String sha256Of(Path file) throws IOException {
        MessageDigest md = S3CheckpointSource.sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) != -1; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static FileAttribute<?>[] ownerOnly() {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))};
    }

    /** The OS's words ("No space left on device") with the exception's kind when there are none. */
    static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            m = fse.getReason();
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
