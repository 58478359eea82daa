package dev.hotserve.source;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * An ONNX {@code ModelProto} is whole when its top-level fields parse exactly up to the end of the
 * file and it holds an IR version, a graph and at least one opset import (the ONNX spec requires
 * all three). Costs one short read per top-level field (a handful), never the graph's bytes.
 */
final class OnnxFormat implements CheckpointFormat {

    private static final String NAME = "ONNX";
    private static final int IR_VERSION = 1;
    private static final int GRAPH = 7;
    private static final int OPSET_IMPORT = 8;

    @Override
    public Verdict check(Opener file, long size) throws IOException {
        if (size == 0) {
            return new NotThisFormat();
        }
        boolean irVersion = false;
        boolean graph = false;
        boolean opset = false;
        // Buffered: tags and lengths are read a byte at a time, and each would be a read(2) of its own.
        try (InputStream in = new java.io.BufferedInputStream(file.open(), 256)) {
            long pos = 0;
            boolean first = true;
            while (pos < size) {
                long[] tag = new long[1];
                int n = readVarint(in, tag);
                if (n < 0) {
                    return first ? new NotThisFormat() : new Incomplete(NAME, "the file ends inside a field tag at byte " + pos);
                }
                pos += n;
                int field = (int) (tag[0] >>> 3);
                int wire = (int) (tag[0] & 7);
                if (first && !plausibleFirstField(field, wire)) {
                    return new NotThisFormat();
                }
                first = false;
                switch (wire) {
                    case 0 -> {
                        long[] v = new long[1];
                        int m = readVarint(in, v);
                        if (m < 0) {
                            return new Incomplete(NAME, "the file ends inside field " + field + " at byte " + pos);
                        }
                        pos += m;
                        irVersion |= field == IR_VERSION;
                    }
                    case 1, 5 -> {
                        int len = wire == 1 ? 8 : 4;
                        if (pos + len > size) {
                            return new Incomplete(NAME, "field " + field + " needs " + len + " bytes, the file ends at byte " + size);
                        }
                        in.skipNBytes(len);
                        pos += len;
                    }
                    case 2 -> {
                        long[] len = new long[1];
                        int m = readVarint(in, len);
                        if (m < 0) {
                            return new Incomplete(NAME, "the file ends inside the length of field " + field + " at byte " + pos);
                        }
                        pos += m;
                        if (len[0] < 0 || pos + len[0] > size) {
                            return new Incomplete(NAME, (field == GRAPH ? "the graph" : "field " + field) + " needs " + len[0]
                                    + " bytes from byte " + pos + ", the file ends at byte " + size);
                        }
                        in.skipNBytes(len[0]);
                        pos += len[0];
                        graph |= field == GRAPH;
                        opset |= field == OPSET_IMPORT;
                    }
                    default -> {
                        return new Incomplete(NAME, "wire type " + wire + " of field " + field + " at byte " + pos
                                + " is not one a model uses (a damaged or unfinished file)");
                    }
                }
            }
        } catch (EOFException e) {
            return new Incomplete(NAME, "the file is shorter than its size said (still being written?)");
        }
        if (!irVersion || !graph || !opset) {
            return new Incomplete(NAME, "the fields parse, but it has no " + missing(irVersion, graph, opset) + ": a prefix of a model");
        }
        return new Complete(NAME);
    }

    /** torch.onnx and onnx.save write ir_version first; other writers start with another known field. */
    private static boolean plausibleFirstField(int field, int wire) {
        return switch (field) {
            case 1, 5 -> wire == 0;
            case 2, 3, 4, 6, 7, 8, 14, 20, 25, 26 -> wire == 2;
            default -> false;
        };
    }

    private static String missing(boolean irVersion, boolean graph, boolean opset) {
        StringBuilder b = new StringBuilder();
        if (!irVersion) {
            b.append("IR version");
        }
        if (!graph) {
            b.append(b.isEmpty() ? "" : ", ").append("graph");
        }
        if (!opset) {
            b.append(b.isEmpty() ? "" : ", ").append("opset imports");
        }
        return b.toString();
    }

    /** Reads a varint into {@code out[0]}; returns its length in bytes, or -1 at the end of the stream. */
    private static int readVarint(InputStream in, long[] out) throws IOException {
        long value = 0;
        for (int i = 0; i < 10; i++) {
            int b = in.read();
            if (b < 0) {
                return -1;
            }
            value |= (long) (b & 0x7f) << (7 * i);
            if (b < 0x80) {
                out[0] = value;
                return i + 1;
            }
        }
        throw new IOException("a varint longer than 10 bytes: not protobuf");
    }
}
