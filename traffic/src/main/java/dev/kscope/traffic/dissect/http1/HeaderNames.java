package dev.kscope.traffic.dissect.http1;

import dev.kscope.traffic.dissect.ByteCumulator;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Lower-cased header names, the common ones shared: most headers of most messages are one of a few dozen names,
 * so they cost a table lookup instead of two new strings each.
 */
final class HeaderNames {
    private static final String[] COMMON = {
            "accept", "accept-encoding", "accept-language", "accept-ranges", "access-control-allow-origin", "age",
            "authorization", "cache-control", "connection", "content-encoding", "content-language", "content-length",
            "content-type", "cookie", "date", "etag", "expect", "expires", "forwarded", "host", "if-match",
            "if-modified-since", "if-none-match", "keep-alive", "last-modified", "location", "origin", "pragma",
            "proxy-authorization", "range", "referer", "retry-after", "server", "set-cookie",
            "strict-transport-security", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
            "www-authenticate", "x-forwarded-for", "x-forwarded-proto", "x-request-id", "traceparent", "tracestate",
            "http2-settings", "grpc-timeout", "x-b3-traceid", "x-b3-spanid", "x-envoy-upstream-service-time",
    };
    private static final int SLOTS = 256; // a power of two, well above COMMON.length
    private static final String[] NAMES = new String[SLOTS];
    private static final byte[][] BYTES = new byte[SLOTS][];

    static {
        for (var name : COMMON) {
            var bytes = name.getBytes(StandardCharsets.US_ASCII);
            int h = 0;
            for (byte b : bytes) h = 31 * h + b;
            int slot = h & (SLOTS - 1);
            while (NAMES[slot] != null) slot = (slot + 1) & (SLOTS - 1);
            NAMES[slot] = name;
            BYTES[slot] = bytes;
        }
    }

    private HeaderNames() {
    }

    /** The name in bytes [from, to) of {@code in}, lower-cased. */
    static String lowerCase(ByteCumulator in, int from, int to) {
        for (int slot = in.lowerAsciiHash(from, to) & (SLOTS - 1); NAMES[slot] != null; slot = (slot + 1) & (SLOTS - 1)) {
            if (in.equalsLowerAscii(from, to, BYTES[slot])) return NAMES[slot];
        }
        return in.ascii(from, to).toLowerCase(Locale.ROOT);
    }
}
