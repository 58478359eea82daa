package dev.hotserve.source;

import java.io.IOException;
import java.io.InputStream;

/**
 * A ZIP archive (TorchScript's format) is whole when it ends with its end-of-central-directory
 * record, whose comment reaches exactly to the end of the file and whose central directory ends
 * where that record (or the ZIP64 end record the locator before it points at) begins. Reads the first four bytes and at most
 * the last 64 KiB.
 */
final class ZipFormat implements CheckpointFormat {

    private static final String NAME = "ZIP (TorchScript)";
    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int END_RECORD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_END_RECORD = 0x06064b50;
    private static final int END_RECORD_SIZE = 22;
    private static final int MAX_COMMENT = 0xffff;

    @Override
    public Verdict check(Opener file, long size) throws IOException {
        if (size < 4) {
            return new NotThisFormat();
        }
        byte[] tail;
        int tailLength = (int) Math.min(size, END_RECORD_SIZE + MAX_COMMENT + 20L);
        try (InputStream in = file.open()) {
            byte[] head = in.readNBytes(4);
            if (head.length < 4 || le32(head, 0) != LOCAL_HEADER) {
                return new NotThisFormat();
            }
        }
        try (InputStream in = file.open()) {
            in.skipNBytes(size - tailLength);
            tail = in.readNBytes(tailLength);
        }
        if (tail.length != tailLength) {
            return new Incomplete(NAME, "the file is shorter than its size said (still being written?)");
        }
        for (int p = tail.length - END_RECORD_SIZE; p >= 0; p--) {
            if (le32(tail, p) != END_RECORD || p + END_RECORD_SIZE + le16(tail, p + 20) != tail.length) {
                continue;
            }
            long tailStart = size - tail.length;
            long recordAt = tailStart + p;
            if (p >= 20 && le32(tail, p - 20) == ZIP64_LOCATOR) {
                // ZIP64 (PyTorch always writes it): the locator points at the ZIP64 end record,
                // whose central directory must end exactly where that record begins.
                long z64At = le64(tail, p - 20 + 8);
                long i = z64At - tailStart;
                if (i >= 0 && i + 56 <= p - 20 && le32(tail, (int) i) == ZIP64_END_RECORD
                        && le64(tail, (int) i + 48) + le64(tail, (int) i + 40) == z64At) {
                    return new Complete(NAME);
                }
                continue;
            }
            long directorySize = le32(tail, p + 12) & 0xffffffffL;
            long directoryOffset = le32(tail, p + 16) & 0xffffffffL;
            if (directoryOffset + directorySize == recordAt) {
                return new Complete(NAME);
            }
        }
        return new Incomplete(NAME, "no end-of-central-directory record at the end of the file: the archive is unfinished");
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }

    private static long le64(byte[] b, int i) {
        return (le32(b, i) & 0xffffffffL) | (long) le32(b, i + 4) << 32;
    }

    private static int le16(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }
}
