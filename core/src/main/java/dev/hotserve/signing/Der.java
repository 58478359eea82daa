package dev.hotserve.signing;

import dev.hotserve.signing.SignatureException.Reason;
import java.util.Arrays;

/** The little DER the signer needs to read an EC private key (SEC 1 or PKCS #8); every length is checked against what is left. */
final class Der {

    static final int SEQUENCE = 0x30;
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int OID = 0x06;

    record Item(int tag, byte[] content) {}

    private final byte[] bytes;
    private int pos;
    private final int end;

    Der(byte[] bytes) {
        this(bytes, 0, bytes.length);
    }

    private Der(byte[] bytes, int from, int end) {
        this.bytes = bytes;
        this.pos = from;
        this.end = end;
    }

    boolean hasMore() {
        return pos < end;
    }

    int peekTag() throws SignatureException {
        if (pos >= end) {
            throw bad("truncated");
        }
        return bytes[pos] & 0xff;
    }

    Item next() throws SignatureException {
        int tag = peekTag();
        pos++;
        if (pos >= end) {
            throw bad("truncated length");
        }
        int first = bytes[pos++] & 0xff;
        int len;
        if (first < 0x80) {
            len = first;
        } else {
            int n = first & 0x7f;
            if (n == 0 || n > 3 || end - pos < n) {
                throw bad("bad length");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (bytes[pos++] & 0xff);
            }
        }
        if (len > end - pos) {
            throw bad("length " + len + " past the end");
        }
        byte[] content = Arrays.copyOfRange(bytes, pos, pos + len);
        pos += len;
        return new Item(tag, content);
    }

    Item expect(int tag) throws SignatureException {
        Item i = next();
        if (i.tag() != tag) {
            throw bad("expected tag 0x" + Integer.toHexString(tag) + ", found 0x" + Integer.toHexString(i.tag()));
        }
        return i;
    }

    static Der of(Item constructed) {
        return new Der(constructed.content());
    }

    static String oid(byte[] c) throws SignatureException {
        if (c.length == 0 || c.length > 64) {
            throw bad("bad object identifier");
        }
        StringBuilder sb = new StringBuilder();
        long v = 0;
        boolean first = true;
        for (byte b : c) {
            v = (v << 7) | (b & 0x7f);
            if (v > Integer.MAX_VALUE) {
                throw bad("object identifier arc too large");
            }
            if ((b & 0x80) == 0) {
                if (first) {
                    int a = v < 40 ? 0 : v < 80 ? 1 : 2;
                    sb.append(a).append('.').append(v - 40L * a);
                    first = false;
                } else {
                    sb.append('.').append(v);
                }
                v = 0;
            }
        }
        if ((c[c.length - 1] & 0x80) != 0) {
            throw bad("truncated object identifier");
        }
        return sb.toString();
    }

    static SignatureException bad(String what) {
        return new SignatureException(Reason.MALFORMED_KEY, "the private key's DER is malformed (" + what + ")");
    }
}
