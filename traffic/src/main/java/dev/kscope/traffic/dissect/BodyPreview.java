package dev.kscope.traffic.dissect;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Keeps the first bytes of a body and renders them for people: decompressed (gzip, deflate) with the output
 * capped, so a compression bomb costs {@link #MAX_SHOWN} bytes, and as text when it is text.
 */
public final class BodyPreview {
    public static final int MAX_KEPT = 16 << 10;  // compressed bodies need more input for the same preview
    public static final int MAX_SHOWN = 1024;

    private byte[] kept;
    private int length;
    private boolean compressed;

    /** Call before adding when the body is compressed: then more input is kept for the same preview. */
    public void compressed(boolean compressed) {
        this.compressed = compressed;
    }

    public void add(ByteCumulator in, int from, int n) {
        int limit = compressed ? MAX_KEPT : MAX_SHOWN;
        int take = Math.min(n, limit - length);
        if (take <= 0) return;
        if (kept == null || kept.length < length + take) {
            kept = java.util.Arrays.copyOf(kept == null ? new byte[0] : kept, Math.min(limit, Math.max(length + take, 256)));
        }
        in.copyTo(from, kept, length, take);
        length += take;
    }

    public boolean isEmpty() {
        return length == 0;
    }

    /** The preview text, or null when the body was empty. */
    public String render(String contentEncoding) {
        if (length == 0) return null;
        if (contentEncoding == null) return text(kept, length);
        var enc = contentEncoding.trim().toLowerCase(java.util.Locale.ROOT);
        byte[] raw;
        try {
            if (enc.equals("gzip") || enc.equals("x-gzip")) {
                raw = inflate(new GZIPInputStream(new ByteArrayInputStream(kept, 0, length)));
            } else if (enc.equals("deflate")) {
                var zlib = inflate(new InflaterInputStream(new ByteArrayInputStream(kept, 0, length)));
                raw = zlib.length > 0 ? zlib : inflate(new InflaterInputStream(new ByteArrayInputStream(kept, 0, length), new Inflater(true)));
            } else if (enc.equals("identity")) {
                raw = kept;
            } else {
                return "(" + length + "+ bytes, " + enc + " encoded)";
            }
        } catch (IOException e) {
            return "(" + length + "+ bytes, " + enc + " encoded, cannot decode: " + e.getMessage() + ")";
        }
        return text(raw, raw == kept ? length : raw.length);
    }

    private static byte[] inflate(InputStream in) {
        var out = new ByteArrayOutputStream();
        var b = new byte[512];
        try (in) {
            int n;
            while (out.size() < MAX_SHOWN && (n = in.read(b, 0, Math.min(b.length, MAX_SHOWN - out.size()))) > 0) {
                out.write(b, 0, n);
            }
        } catch (IOException e) {
            // truncated preview input: keep what inflated
        }
        return out.toByteArray();
    }

    /** The first {@code length} bytes as text if they are (UTF-8 without control characters), else as hex. */
    static String text(byte[] raw, int length) {
        int n = Math.min(length, MAX_SHOWN);
        int i = plainAsciiPrefix(raw, n);
        while (i < n && isTextByte(raw[i])) i++;  // the common case, ASCII text, needs no decoder
        if (i == n) return new String(raw, 0, n, StandardCharsets.ISO_8859_1);
        if (raw[i] < 0) { // not ASCII: UTF-8?
            try {
                var s = utf8(raw, n);
                if (isText(s)) return s;
            } catch (CharacterCodingException e) {
                // a cut multi-byte character at the end is fine: retry without the last bytes
                for (int cut = 1; cut <= 3 && n - cut > 0; cut++) {
                    try {
                        var s = utf8(raw, n - cut);
                        if (isText(s)) return s;
                    } catch (CharacterCodingException ignored) {
                    }
                }
            }
        }
        var hex = new StringBuilder("(binary) ");
        for (int k = 0; k < Math.min(n, 64); k++) {
            hex.append(Character.forDigit((raw[k] >> 4) & 0xF, 16)).append(Character.forDigit(raw[k] & 0xF, 16));
        }
        if (n > 64) hex.append("...");
        return hex.toString();
    }

    private static String utf8(byte[] raw, int n) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(raw, 0, n)).toString();
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L, HIGH_BITS = 0x8080808080808080L;

    /** How many leading bytes are printable ASCII (0x20..0x7F), eight at a time; stops at the first word with another byte. */
    private static int plainAsciiPrefix(byte[] raw, int n) {
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long w = (long) LONGS.get(raw, i);
            // a byte >= 0x80 sets its high bit; a byte < 0x20 sets the high bit of (byte - 0x20) while its own is clear
            if (((w | ((w - 0x20 * ONES) & ~w)) & HIGH_BITS) != 0) break;
        }
        return i;
    }

    private static boolean isTextByte(byte b) {
        return b >= 0x20 || b == '\n' || b == '\r' || b == '\t'; // negative: not ASCII
    }

    private static boolean isText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
        }
        return true;
    }
}
