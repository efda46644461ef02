package dev.kscope.core.output;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.TimeZone;

import static org.assertj.core.api.Assertions.assertThat;

class ClockTextTest {
    /** Same text as java.time's formatter, across zones with odd offsets and their DST changes, before and after 1970. */
    @Test
    void matchesJavaTimeFormatting() {
        for (var id : new String[]{"UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"}) {
            var clock = new ClockText(TimeZone.getTimeZone(id));
            var reference = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.of(id));
            for (long t = -86_400_000L * 400; t < 86_400_000L * 20_000; t += 3_599_999_917L) {
                var instant = Instant.ofEpochMilli(t);
                assertThat(clock.format(instant)).as("%s at %s", id, instant).isEqualTo(reference.format(instant));
            }
        }
    }
}
