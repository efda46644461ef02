package dev.kscope.core.output;

import java.time.Instant;
import java.util.TimeZone;

/**
 * "HH:mm:ss.SSS" in the local zone, formatting the seconds part once per second: tables print it for every event.
 * Through {@link TimeZone} rather than java.time's zone rules: those look for rule providers on the class path at
 * first use (opening every jar, ~80 ms of a tracer's start-up); the offset is the same.
 */
public final class ClockText {
    private final TimeZone zone;
    private long cachedSecond = Long.MIN_VALUE;
    private String cachedPrefix;

    public ClockText() {
        this(TimeZone.getDefault());
    }

    /** For tables that say TIME(UTC): the same on every machine. */
    public static ClockText utc() {
        return new ClockText(TimeZone.getTimeZone("UTC"));
    }

    ClockText(TimeZone zone) {
        this.zone = zone;
    }

    public synchronized String format(Instant t) {
        if (t.getEpochSecond() != cachedSecond) {
            cachedSecond = t.getEpochSecond();
            long local = cachedSecond + zone.getOffset(cachedSecond * 1000) / 1000;
            int s = (int) Math.floorMod(local, 86_400L);
            cachedPrefix = two(s / 3600) + ":" + two(s / 60 % 60) + ":" + two(s % 60) + ".";
        }
        int millis = t.getNano() / 1_000_000;
        return cachedPrefix + (char) ('0' + millis / 100) + (char) ('0' + millis / 10 % 10) + (char) ('0' + millis % 10);
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }
}
