package dev.kscope.traffic.output;

import dev.kscope.traffic.message.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AsyncSinkTest {
    private static Message message(long id) {
        return new Message(id, "http", null, null, 0, 0, 0, 0, "GET /" + id, "200", false, null, Map.of());
    }

    @Test
    void everyMessageArrivesInOrderWhateverTheBatch() {
        for (int batch : new int[]{1, 7, 256}) {
            var seen = Collections.synchronizedList(new ArrayList<Long>());
            try (var sink = new AsyncSink(m -> seen.add(m.id()), 64, batch, () -> {})) {
                for (long i = 0; i < 1001; i++) sink.accept(message(i)); // not a multiple of the batch: close hands over the rest
            }
            assertThat(seen).as("batch %d", batch).hasSize(1001).isSorted();
        }
    }

    @Test
    void singleMessagesReachTheSinkWithoutWaitingForMore() throws InterruptedException {
        var arrived = new CountDownLatch(1);
        try (var sink = new AsyncSink(m -> arrived.countDown(), 1024, 1, () -> {})) {
            sink.accept(message(1));
            assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue(); // live: a row appears as its call completes
        }
    }

    @Test
    void aFailingSinkFailsTheAnalyzerInsteadOfLosingMessagesSilently() {
        var sink = new AsyncSink(m -> {
            throw new IllegalStateException("disk full");
        }, 8, 2, () -> {});
        assertThatThrownBy(() -> {
            for (int i = 0; i < 10_000; i++) sink.accept(message(i));
            sink.close();
        }).hasMessage("disk full");
    }

    @Test
    void idleRunsWhenTheSinkHasCaughtUp() throws InterruptedException {
        var idle = new CountDownLatch(1);
        List<Long> seen = Collections.synchronizedList(new ArrayList<>());
        try (var sink = new AsyncSink(m -> seen.add(m.id()), 16, 4, idle::countDown)) {
            for (long i = 0; i < 4; i++) sink.accept(message(i));
            assertThat(idle.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(seen).containsExactly(0L, 1L, 2L, 3L);
        }
    }
}
