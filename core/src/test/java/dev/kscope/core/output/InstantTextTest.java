package dev.kscope.core.output;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class InstantTextTest {
    /** Same text as Instant.toString: whole seconds, milli-, micro- and nanosecond fractions, before 1970 and after 9999. */
    @Test
    void matchesInstantToString() {
        var random = new Random(7);
        long[] edges = {0, 1, -1, 59, 86_399, 951_782_400 /* 2000-02-29 */, 4_102_444_800L /* 2100-03-01 */, 253_402_300_799L, 253_402_300_800L, -62_167_219_200L};
        int[] nanos = {0, 1, 999, 1_000, 999_999, 1_000_000, 120_000_000, 999_000_000, 999_999_999, 123_456_789, 100, 10_000};
        for (long second : edges) {
            for (int nano : nanos) {
                var t = Instant.ofEpochSecond(second, nano);
                assertThat(InstantText.format(t)).as("%d s %d ns", second, nano).isEqualTo(t.toString());
            }
        }
        for (int i = 0; i < 200_000; i++) {
            long epochNanos = random.nextLong(4_000_000_000_000_000_000L) - 100_000_000_000_000_000L;
            if (i % 3 == 0) epochNanos -= epochNanos % 1_000_000; // milliseconds
            var t = Instant.ofEpochSecond(0, epochNanos);
            assertThat(InstantText.format(epochNanos)).as("%d ns", epochNanos).isEqualTo(t.toString());
        }
    }
}
