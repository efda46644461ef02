package dev.kscope.traffic.dissect;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Bytes received but not yet decoded, for one direction (Netty's cumulation buffer, on a byte[]).
 * Decoders consume from the front; what they do not need (e.g. bodies) they skip without keeping,
 * so the buffer only grows to the largest header a protocol allows.
 */
public final class ByteCumulator {
    private byte[] buf = new byte[512];
    private int start, end;

    public void append(MemorySegment data) {
        int n = (int) data.byteSize();
        ensure(n);
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, buf, end, n);
        end += n;
    }

    public void append(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, end, n);
        end += n;
    }

    private void ensure(int n) {
        if (end + n <= buf.length) return;
        int live = end - start;
        if (live + n <= buf.length && start > 0) {
            System.arraycopy(buf, start, buf, 0, live);
        } else {
            var nb = new byte[Math.max(buf.length * 2, live + n)];
            System.arraycopy(buf, start, nb, 0, live);
            buf = nb;
        }
        start = 0;
        end = live;
    }

    public int readable() {
        return end - start;
    }

    /** Byte at {@code i} from the read position, unsigned. */
    public int get(int i) {
        return buf[start + i] & 0xFF;
    }

    public int u16(int i) {
        return (get(i) << 8) | get(i + 1);
    }

    public int i32(int i) {
        return (get(i) << 24) | (get(i + 1) << 16) | (get(i + 2) << 8) | get(i + 3);
    }

    public void skip(int n) {
        start += n;
        if (start == end) start = end = 0;
    }

    public void clear() {
        start = end = 0;
        if (buf.length > 64 << 10) buf = new byte[512];
    }

    /** Index of the first CRLF at or after {@code from}, or -1. */
    public int indexOfCrlf(int from) {
        for (int i = start + from + 1; i < end; i++) {
            if (buf[i] == '\n' && buf[i - 1] == '\r') return i - 1 - start;
        }
        return -1;
    }

    /** Offset just past the first blank line (CRLF CRLF) that ends at or after {@code from + 4}, or -1. */
    public int indexAfterBlankLine(int from) {
        for (int i = start + Math.max(from, 0) + 3; i < end; i++) {
            // look at every byte once; only a LF can end the blank line
            if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') return i + 1 - start;
        }
        return -1;
    }

    /** Whether bytes [from, to) are an RFC 9110 token (a method, a header name). */
    public boolean isToken(int from, int to) {
        if (from >= to) return false;
        for (int i = start + from; i < start + to; i++) if (!isTokenChar(buf[i])) return false;
        return true;
    }

    /** Whether {@code c} may stand in an RFC 9110 token: visible ASCII but the separators. */
    public static boolean isTokenChar(int c) {
        return c >= 0 && c < 128 && TOKEN[c];
    }

    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (int c = '!'; c < 127; c++) TOKEN[c] = "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }

    /** Hash of bytes [from, to) with ASCII letters lower-cased, for case-insensitive lookups. */
    public int lowerAsciiHash(int from, int to) {
        int h = 0;
        for (int i = start + from; i < start + to; i++) h = 31 * h + lowerAscii(buf[i]);
        return h;
    }

    /** Whether bytes [from, to) equal {@code lower} (lower-case ASCII) ignoring ASCII case. */
    public boolean equalsLowerAscii(int from, int to, byte[] lower) {
        if (to - from != lower.length) return false;
        for (int i = 0; i < lower.length; i++) if (lowerAscii(buf[start + from + i]) != lower[i]) return false;
        return true;
    }

    private static int lowerAscii(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    public int indexOf(byte b, int from) {
        for (int i = start + from; i < end; i++) if (buf[i] == b) return i - start;
        return -1;
    }

    public String ascii(int from, int to) {
        return new String(buf, start + from, to - from, StandardCharsets.ISO_8859_1);
    }

    public String utf8(int from, int to) {
        return new String(buf, start + from, to - from, StandardCharsets.UTF_8);
    }

    public void copyTo(int from, byte[] dst, int dstOffset, int n) {
        System.arraycopy(buf, start + from, dst, dstOffset, n);
    }

    public byte[] copy(int from, int to) {
        var b = new byte[to - from];
        System.arraycopy(buf, start + from, b, 0, b.length);
        return b;
    }

    public boolean startsWith(int at, byte[] prefix) {
        if (readable() - at < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (buf[start + at + i] != prefix[i]) return false;
        return true;
    }
}
