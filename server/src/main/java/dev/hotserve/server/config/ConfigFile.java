package dev.hotserve.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parsed config file (YAML or JSON): its top level and its model entries, each key checked
 * against the settings table, so that a typo stops start-up naming the file and the key.
 *
 * @param name how messages name the file ({@code config file /etc/hotserve.yaml})
 * @param dir what relative paths in it are resolved against
 * @param root the top level; null when there is no file or it is empty
 */
record ConfigFile(String name, Path dir, JsonNode root, List<JsonNode> models) {

    /** The keys of a model entry that say which checkpoints it follows rather than how. */
    static final Set<String> ENTRY_KEYS = Set.of("name", "path", "dir", "source", "glob", "rollout");

    /** A config file is a few KiB; the bound keeps {@code HOTSERVE_CONFIG=/dev/zero} from filling the heap. */
    private static final int MAX_CONFIG_BYTES = 4 * 1024 * 1024;

    static ConfigFile none(Path workDir) {
        return new ConfigFile("(no config file)", workDir, null, List.of());
    }

    /** @param origin where the file's name came from, for the message when it cannot be read */
    static ConfigFile read(Path path, String origin) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(readBounded(path));
        } catch (IOException e) {
            throw new ConfigException(origin + " names a config file that cannot be read: " + path + " (" + e.getMessage() + ")", e);
        }
        String name = "config file " + path;
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new ConfigFile(name, path.toAbsolutePath().getParent(), null, List.of());
        }
        if (!root.isObject()) {
            throw new ConfigException(name + " must hold a mapping of settings, was " + root.getNodeType());
        }
        Set<String> known = keys(Setting.Scope.SERVER, Setting.Scope.MODEL, Setting.Scope.S3_SOURCE);
        known.add("models");
        unknownKeys(root, known, name);
        List<JsonNode> models = new ArrayList<>();
        JsonNode list = root.get("models");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw new ConfigException(name + ": models must be a list, was " + list.getNodeType());
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode m = list.get(i);
                if (!m.isObject()) {
                    throw new ConfigException(name + ": models[" + i + "] must be a mapping, was " + m.getNodeType());
                }
                checkEntryKeys(m, name + ": models[" + i + "]");
                models.add(m);
            }
        }
        return new ConfigFile(name, path.toAbsolutePath().getParent(), root, models);
    }

    /** Refuses a key a model entry cannot have: its own keys and those of the per-model settings are known. */
    static void checkEntryKeys(JsonNode entry, String where) throws ConfigException {
        Set<String> known = keys(Setting.Scope.MODEL, Setting.Scope.S3_SOURCE);
        known.addAll(ENTRY_KEYS);
        unknownKeys(entry, known, where);
    }

    /** The file keys of the settings of these scopes, sorted (a message lists them). */
    static Set<String> keys(Setting.Scope... scopes) {
        Set<String> out = new TreeSet<>();
        for (Setting s : Setting.values()) {
            if (s.fileKey() != null && List.of(scopes).contains(s.scope())) {
                out.add(s.fileKey());
            }
        }
        return out;
    }

    /** A key's value as text; a list or a mapping where one value belongs is refused. */
    static Optional<String> text(JsonNode node, String key, String where) throws ConfigException {
        JsonNode v = node == null ? null : node.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isValueNode()) {
            throw new ConfigException(where + ": " + key + " must be a single value, was " + v);
        }
        return Optional.of(v.asText());
    }

    private static byte[] readBounded(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
            if (bytes.length > MAX_CONFIG_BYTES) {
                throw new IOException("it is over " + MAX_CONFIG_BYTES + " bytes");
            }
            return bytes;
        }
    }

    private static void unknownKeys(JsonNode node, Set<String> known, String where) throws ConfigException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new ConfigException(where + ": unknown key '" + k + "' (known: " + String.join(", ", known) + ")");
            }
        }
    }
}
