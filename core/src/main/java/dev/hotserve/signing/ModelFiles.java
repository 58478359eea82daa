package dev.hotserve.signing;

import dev.hotserve.signing.SignatureException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The files of a model directory as the reference tool serializes it, and their sha256. */
final class ModelFiles {

    /** What the reference tool ignores unless told otherwise. */
    static final List<String> GIT_PATHS = List.of(".git", ".gitattributes", ".github", ".gitignore");

    /** A directory of more files than this is refused rather than listed. */
    static final int MAX_FILES = 100_000;

    private ModelFiles() {}

    /**
     * Relative {@code /}-separated names of the regular files under {@code dir}, in name order, without
     * the ignored ones (a name, or a directory and all under it). A symlink is refused, as the reference
     * tool refuses it unless told to follow them.
     */
    static TreeMap<String, Path> list(Path dir, Collection<String> ignore) throws IOException, SignatureException {
        Set<String> ignored = new java.util.HashSet<>();
        for (String i : ignore) {
            String n = i.replace('\\', '/');
            while (n.startsWith("./")) {
                n = n.substring(2);
            }
            while (n.endsWith("/")) {
                n = n.substring(0, n.length() - 1);
            }
            ignored.add(n);
        }
        TreeMap<String, Path> out = new TreeMap<>(Statement.NAME_ORDER);
        try (Stream<Path> walk = Files.walk(dir)) {
            var it = walk.iterator();
            while (it.hasNext()) {
                Path p = it.next();
                if (p.equals(dir)) {
                    continue;
                }
                String rel = dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
                if (isIgnored(rel, ignored)) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    throw new SignatureException(Reason.EXTRA_FILE, "symbolic link " + SignatureBundle.quote(rel) + " in the model");
                }
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    if (out.size() >= MAX_FILES) {
                        throw new SignatureException(Reason.EXTRA_FILE, "more than " + MAX_FILES + " files in the model");
                    }
                    out.put(rel, p);
                }
            }
        }
        return out;
    }

    private static boolean isIgnored(String rel, Set<String> ignored) {
        String prefix = rel;
        while (true) {
            if (ignored.contains(prefix)) {
                return true;
            }
            int slash = prefix.lastIndexOf('/');
            if (slash < 0) {
                return false;
            }
            prefix = prefix.substring(0, slash);
        }
    }

    static byte[] sha256(Path file) throws IOException {
        MessageDigest md = Pem.sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }
}
