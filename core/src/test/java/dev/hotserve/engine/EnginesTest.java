package dev.hotserve.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnginesTest {

    @TempDir
    Path dir;

    /** Claims files starting with {@code magic}; refuses every load, recording that it was asked. */
    record RefusingEngine(String name, byte magic, List<String> asked) implements Engine {
        @Override
        public boolean recognizes(byte[] head) {
            return head.length > 0 && head[0] == magic;
        }

        @Override
        public LoadedModel load(Path file, LoadOptions options) throws ModelLoadException {
            asked.add(name);
            throw new ModelLoadException(file + ": " + name + " cannot parse it");
        }
    }

    @Test
    void onlyTheEnginesThatRecogniseTheContentAreTried() throws Exception {
        List<String> asked = new CopyOnWriteArrayList<>();
        Engines engines = new Engines(List.of(new RefusingEngine("zip", (byte) 'P', asked), new RefusingEngine("proto", (byte) 8, asked)));
        Path corruptZip = Files.write(dir.resolve("model_1.onnx"), new byte[] {'P', 'K', 3, 4, 0});

        assertThatThrownBy(() -> engines.load(corruptZip, LoadOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no engine could load " + corruptZip)
                .hasMessageContaining("zip: " + corruptZip + ": zip cannot parse it")
                .hasMessageContaining("proto: not its format");
        assertThat(asked).containsExactly("zip");
    }

    @Test
    void aFileNoEngineRecognisesIsOfferedToEveryEngineAndTheErrorNamesEachReason() throws Exception {
        List<String> asked = new CopyOnWriteArrayList<>();
        Engines engines = new Engines(List.of(new RefusingEngine("zip", (byte) 'P', asked), new RefusingEngine("proto", (byte) 8, asked)));
        Path text = Files.writeString(dir.resolve("model_1.pt"), "not a model");

        assertThatThrownBy(() -> engines.load(text, LoadOptions.defaults()))
                .hasMessageContaining("zip: " + text + ": zip cannot parse it")
                .hasMessageContaining("proto: " + text + ": proto cannot parse it");
        assertThat(asked).containsExactly("zip", "proto");
    }

    @Test
    void anEmptyFileAndNoEnginesAtAllGetTheirOwnMessages() throws Exception {
        Path empty = Files.write(dir.resolve("model_1.onnx"), new byte[0]);
        Engines none = new Engines(List.of());
        assertThatThrownBy(() -> none.load(empty, LoadOptions.defaults())).hasMessageContaining("no engine on the class path");
        Engines one = new Engines(List.of(new RefusingEngine("zip", (byte) 'P', new CopyOnWriteArrayList<>())));
        assertThatThrownBy(() -> one.load(empty, LoadOptions.defaults())).hasMessage(empty + " is empty");
    }
}
