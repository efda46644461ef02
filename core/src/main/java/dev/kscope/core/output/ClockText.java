package dev.kscope.core.output;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** "HH:mm:ss.SSS" in the local zone, formatting the seconds part once per second: tables print it for every event. */
public final class ClockText {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss.").withZone(ZoneId.systemDefault());

    private long cachedSecond = Long.MIN_VALUE;
    private String cachedPrefix;

    public synchronized String format(Instant t) {
        if (t.getEpochSecond() != cachedSecond) {
            cachedSecond = t.getEpochSecond();
            cachedPrefix = SECONDS.format(t);
        }
        int millis = t.getNano() / 1_000_000;
        return cachedPrefix + (char) ('0' + millis / 100) + (char) ('0' + millis / 10 % 10) + (char) ('0' + millis % 10);
    }
}
