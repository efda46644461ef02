package dev.kscope.core;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses durations ("1m30s", "500ms", "7d", "10" = seconds, or ISO-8601 "PT2M") and sizes ("16M", "64K", "2GB", "4096")
 * as users type them.
 */
public final class Units {
    private Units() {}

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");

    public static Duration duration(String text, String flag) {
        var t = text.trim().toLowerCase(Locale.ROOT);
        if (t.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(t));
        if (t.startsWith("p")) return iso(text, flag);
        var m = DURATION_PART.matcher(t);
        long nanos = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            double v = Double.parseDouble(m.group(1));
            nanos += (long) (v * switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            });
            at = m.end();
        }
        if (at != t.length() || t.isEmpty()) {
            throw new KscopeException("invalid duration '" + text + "' for " + flag + " (use e.g. 10s, 500ms, 1m30s, 2h, 7d)", null, 2);
        }
        return Duration.ofNanos(nanos);
    }

    private static Duration iso(String text, String flag) {
        try {
            var d = Duration.parse(text.trim());
            if (!d.isNegative()) return d;
        } catch (java.time.format.DateTimeParseException e) {
            // the one-line error below says what to write instead
        }
        throw new KscopeException("invalid duration '" + text + "' for " + flag + " (use e.g. 10s, 500ms, 1m30s, 2h, 7d or ISO-8601 PT2M)", null, 2);
    }

    public static long size(String text, String flag) {
        var t = text.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> mult = 1L << 10;
                case 'M' -> mult = 1L << 20;
                case 'G' -> mult = 1L << 30;
                case 'T' -> mult = 1L << 40;
                default -> mult = 1;
            }
        }
        if (mult != 1) t = t.substring(0, t.length() - 1);
        if (!t.matches("\\d+")) throw new KscopeException("invalid size '" + text + "' for " + flag + " (use e.g. 4096, 64K, 16M)", null, 2);
        return Long.parseLong(t) * mult;
    }
}
