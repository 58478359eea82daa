package dev.hotserve.source;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Tells from a file's bytes whether a checkpoint in a known format is whole. A checkpoint written
 * in place passes through every prefix of its final bytes; a format check tells a prefix from the
 * whole without waiting for the file to stay still, so a file renamed into place complete is
 * loaded at once.
 *
 * <p>The built-in checks rest on where each format puts its last word. An ONNX model is one
 * protobuf message whose weights all sit inside one length-delimited field (the graph); a prefix
 * either cuts a field short, which the check sees, or ends on a field boundary before the graph or
 * the opset imports that a loadable model needs. A TorchScript archive is a ZIP file, whose
 * end-of-central-directory record is written last and points back at the central directory just
 * before it; a prefix has no such record at its end.
 */
public interface CheckpointFormat {

    /** What a check found. */
    sealed interface Verdict {}

    /** The bytes are a whole checkpoint of this format. */
    record Complete(String format) implements Verdict {}

    /** The bytes begin like this format but are not whole; {@code reason} says what is missing. */
    record Incomplete(String format, String reason) implements Verdict {}

    /** The bytes do not begin like this format. */
    record NotThisFormat() implements Verdict {}

    Verdict check(Opener file, long size) throws IOException;

    /** Opens the file for reading from its start; a check may open it more than once. */
    @FunctionalInterface
    interface Opener {
        InputStream open() throws IOException;
    }

    /** ONNX and ZIP (TorchScript). */
    static List<CheckpointFormat> builtIn() {
        return List.of(new OnnxFormat(), new ZipFormat());
    }
}
