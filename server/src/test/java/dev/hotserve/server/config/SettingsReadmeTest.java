package dev.hotserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * server/README.md's settings table against {@link Setting}: a row for every setting and none for
 * a setting the code does not have, each with the table's flag, file key, scope and default; and
 * SECURITY.md's limits table states the same defaults.
 */
class SettingsReadmeTest {

    private static final Path ROOT = Path.of(System.getProperty("hotserve.fixtures")).getParent().getParent();
    private static final Pattern CODE_START = Pattern.compile("^`([^`]+)`");

    /** The rows of the table under {@code ## Configuration} whose first cell names a variable, by setting. */
    private static Map<Setting, List<String>> readmeRows() throws IOException {
        String readme = Files.readString(ROOT.resolve("server/README.md"));
        String section = readme.substring(readme.indexOf("## Configuration"));
        section = section.substring(0, section.indexOf("\n## ", 3));
        Map<Setting, List<String>> rows = new EnumMap<>(Setting.class);
        for (String line : section.split("\n")) {
            if (!line.startsWith("| `HOTSERVE_")) {
                continue;
            }
            List<String> cells = cells(line);
            assertThat(cells).as(line).hasSize(4);
            String env = code(cells.get(0));
            Setting s = byEnv(env);
            assertThat(s).as("server/README.md names " + env + ", which is no setting of Setting.java").isNotNull();
            assertThat(rows.put(s, cells)).as(env + " has one row").isNull();
        }
        return rows;
    }

    @Test
    void theReadmeHasARowForEverySettingWithItsFlagFileKeyAndDefault() throws IOException {
        Map<Setting, List<String>> rows = readmeRows();
        List<String> missing = new ArrayList<>();
        for (Setting s : Setting.values()) {
            if (!rows.containsKey(s)) {
                missing.add(s.env());
            }
        }
        assertThat(missing).as("settings missing from server/README.md's table").isEmpty();
        for (Map.Entry<Setting, List<String>> e : rows.entrySet()) {
            Setting s = e.getKey();
            List<String> cells = e.getValue();
            String flag = cells.get(1);
            if (s.flag() == null) {
                assertThat(flag).as(s.env() + ": no flag").isEqualTo("–");
            } else {
                assertThat(flag).as(s.env() + "'s flag").isEqualTo("`" + s.flag() + "`");
            }
            String key = cells.get(2);
            switch (s.scope()) {
                case LAUNCH -> assertThat(key).as(s.env() + ": no file key").startsWith("–");
                case SERVER -> assertThat(key).as(s.env() + "'s file key").isEqualTo("`" + s.fileKey() + "`");
                case MODEL -> assertThat(key).as(s.env() + "'s file key").isEqualTo("`" + s.fileKey() + "` (per model)");
                case S3_SOURCE -> assertThat(key).as(s.env() + "'s file key").isEqualTo("`" + s.fileKey() + "` (per model, S3 sources)");
                case ROLLOUT -> assertThat(code(key)).as(s.env() + "'s file key").isEqualTo("rollout." + s.fileKey());
            }
            String shown = cells.get(3);
            if (s.defaultText().isPresent()) {
                assertThat(code(shown)).as(s.env() + "'s default in server/README.md").isEqualTo(s.defaultText().get());
            } else {
                assertThat(shown).as(s.env() + " has no default").startsWith("none");
            }
        }
    }

    @Test
    void securityMdStatesTheLimitsDefaultsOfTheTable() throws IOException {
        String security = Files.readString(ROOT.resolve("SECURITY.md"));
        Pattern leading = Pattern.compile("^([0-9][0-9,.]*)\\s*(MiB|KiB|GiB|s)?");
        int checked = 0;
        for (String line : security.split("\n")) {
            if (!line.startsWith("| ") || !line.contains("`HOTSERVE_")) {
                continue;
            }
            List<String> cells = cells(line);
            Setting s = byEnv(code(cells.get(2)));
            assertThat(s).as(line).isNotNull();
            Matcher m = leading.matcher(cells.get(1));
            assertThat(m.find()).as(line).isTrue();
            String stated = m.group(1).replace(",", "") + (m.group(2) == null ? "" : m.group(2));
            assertThat(stated).as(s.env() + "'s default in SECURITY.md").isEqualTo(s.defaultText().orElseThrow());
            checked++;
        }
        assertThat(checked).as("rows of SECURITY.md's limits table").isGreaterThanOrEqualTo(12);
    }

    private static List<String> cells(String line) {
        String inner = line.substring(1, line.length() - (line.endsWith("|") ? 1 : 0));
        List<String> out = new ArrayList<>();
        for (String c : inner.split("(?<!\\\\)\\|")) {
            out.add(c.trim());
        }
        return out;
    }

    private static String code(String cell) {
        Matcher m = CODE_START.matcher(cell);
        return m.find() ? m.group(1) : cell;
    }

    private static Setting byEnv(String env) {
        for (Setting s : Setting.values()) {
            if (s.env().equals(env)) {
                return s;
            }
        }
        return null;
    }
}
