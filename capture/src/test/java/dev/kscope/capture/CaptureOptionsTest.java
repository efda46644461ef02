package dev.kscope.capture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CaptureOptionsTest {
    @Test
    void automaticRingsShareABudget() {
        var auto = CaptureOptions.defaults();
        assertThat(auto.ringBytes(1)).isEqualTo(128L << 20);  // tcpdump -B 131072
        assertThat(auto.ringBytes(2)).isEqualTo(128L << 20);
        assertThat(auto.ringBytes(3)).isEqualTo(64L << 20);   // 256 MiB / 3, down to a power of two
        assertThat(auto.ringBytes(1000)).isEqualTo(8L << 20); // never below 8 MiB
        assertThat(auto.withBufferBytes(4 << 20).ringBytes(1000)).isEqualTo(4L << 20); // -B as given
    }

    @Test
    void ringsAreWholeBlocksOfAtMostOneMebibyte() {
        assertThat(CaptureOptions.blockSize(128L << 20)).isEqualTo(1 << 20);
        assertThat(CaptureOptions.blockCount(128L << 20)).isEqualTo(128);
        assertThat(CaptureOptions.blockSize(1L << 20)).isEqualTo(128 << 10); // small -B: blocks still hold a 64 KiB packet
        assertThat(CaptureOptions.blockCount(1L << 20)).isEqualTo(8);
    }
}
