package dev.kscope.traffic;

import dev.kscope.traffic.filter.MessageFilter;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.resolve.EndpointResolver;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.kscope.traffic.Replay.MS;
import static org.assertj.core.api.Assertions.assertThat;

class AnalyzerTest {
    @TempDir
    Path dir;

    @Test
    void endpointsAreAttributedToPodsAndFilterable() {
        var replay = new Replay();
        var t = replay.tcp("10.244.1.5", 40000, "10.244.2.9", 8080).handshake(MS);
        t.send(MS, "GET /cart HTTP/1.1\r\n\r\n");
        t.reply(MS, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        t.close(MS);
        Replay.analyzeFrames(dir.resolve("p.pcap"), replay.frames);
        EndpointResolver pods = ip -> switch (ip) {
            case "10.244.1.5" -> EndpointResolver.Name.pod("shop", "frontend-7d9f");
            case "10.244.2.9" -> EndpointResolver.Name.pod("shop", "web");
            default -> null;
        };
        var out = new ArrayList<Message>();
        try (var src = new PcapFileSource(dir.resolve("p.pcap"))) {
            new TrafficAnalyzer(pods, out::add).run(src);
        }
        var m = out.getFirst();
        assertThat(m.src().display()).isEqualTo("shop/frontend-7d9f:40000");
        assertThat(m.dst().display()).isEqualTo("shop/web:8080");
        assertThat(MessageFilter.compile("http.status >= 500 && dst.pod == \"web\"").test(m)).isTrue();
        assertThat(MessageFilter.compile("src.namespace == \"shop\" && latency_ms >= 0.0 && !malformed").test(m)).isTrue();
        assertThat(MessageFilter.compile("dst.pod == \"api\"").test(m)).isFalse();
        assertThat(MessageFilter.compile("dns.rcode == \"NXDOMAIN\"").test(m)).isFalse(); // not DNS: no match, no error
    }

    @Test
    void hpackBombIsRefusedAndMarkedMalformed() {
        // One 4 KiB header value put in the dynamic table, then referenced 40 times: a tiny header block that
        // decodes to 160 KiB. The decoder's header-list cap refuses it.
        var enc = new io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder();
        var big = "x".repeat(4000);
        var first = new DefaultHttp2Headers().method("GET").path("/").scheme("http").authority("a").add("bomb", big);
        var bomb = new DefaultHttp2Headers().method("GET").path("/b").scheme("http").authority("a");
        for (int i = 0; i < 40; i++) bomb.add("bomb", big);
        var client = DissectorFuzzTest.h2Frame(4, 0, 0, new byte[0])
                + DissectorFuzzTest.h2Frame(1, 5, 1, DissectorFuzzTest.hpack(enc, first))
                + DissectorFuzzTest.h2Frame(1, 5, 3, DissectorFuzzTest.hpack(enc, bomb));
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40000, "10.0.0.2", 80).handshake(MS);
        t.send(MS, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + client);
        t.close(MS);
        var ms = replay.analyze(dir);
        assertThat(ms).hasSize(1);
        assertThat(ms.getFirst().problem()).startsWith("malformed: HPACK");
        assertThat(replay.frames.get(3).length).isLessThan(20_000);
    }

    @Test
    void hugeChunkedBodyStreamsThroughWithBoundedBuffers() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40000, "10.0.0.2", 80).handshake(MS);
        t.send(MS, "POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        var chunk = ("4000\r\n" + "y".repeat(0x4000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 800; i++) t.send(MS, chunk); // 12.5 MiB in 16 KiB chunks (one per segment)
        t.send(MS, "0\r\n\r\n");
        t.reply(MS, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        t.close(MS);
        var ms = replay.analyze(dir);
        assertThat(ms).singleElement().satisfies(m -> {
            assertThat(m.status()).isEqualTo("201");
            assertThat(((Map<?, ?>) m.details().get("http")).get("request_body_size")).isEqualTo(800L * 0x4000);
            assertThat(((String) ((Map<?, ?>) m.details().get("http")).get("request_body"))).hasSize(1024);
        });
        assertThat(List.of(ms.getFirst().problem() == null)).containsExactly(true);
    }
}
