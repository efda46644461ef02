package dev.kscope.core.output;

import java.time.Instant;

/**
 * {@link Instant#toString()}'s text (ISO-8601 in UTC, the fraction in groups of three digits, none when zero), the date
 * and time of day formatted once per second: JSON prints it for every event, and java.time's formatter costs more than
 * the rest of a traffic message's line. Thread-safe: the cached second is an immutable value.
 */
public final class InstantText {
    private record Second(long epochSecond, String text) {}

    private static final long YEAR_10000 = 253_402_300_800L; // from here on Instant.toString writes a sign: left to it
    private static Second cached = new Second(0, "1970-01-01T00:00:00");

    private InstantText() {
    }

    public static String format(Instant t) {
        return format(t.getEpochSecond(), t.getNano());
    }

    public static String format(long epochNanos) {
        return format(Math.floorDiv(epochNanos, 1_000_000_000L), (int) Math.floorMod(epochNanos, 1_000_000_000L));
    }

    private static String format(long second, int nano) {
        if (second < 0 || second >= YEAR_10000) return Instant.ofEpochSecond(second, nano).toString();
        var s = cached;
        if (s.epochSecond() != second) cached = s = new Second(second, Instant.ofEpochSecond(second).toString().substring(0, 19));
        if (nano == 0) return s.text() + "Z";
        int digits = nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
        int fraction = digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1_000 : nano;
        var text = new char[19 + 1 + digits + 1];
        s.text().getChars(0, 19, text, 0);
        text[19] = '.';
        for (int i = 19 + digits; i > 19; i--, fraction /= 10) text[i] = (char) ('0' + fraction % 10);
        text[text.length - 1] = 'Z';
        return new String(text);
    }
}
