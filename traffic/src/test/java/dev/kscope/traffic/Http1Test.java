package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;

import static dev.kscope.traffic.Replay.MS;
import static org.assertj.core.api.Assertions.assertThat;

class Http1Test {
    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    static Map<String, Object> http(Message m) {
        return (Map<String, Object>) m.details().get("http");
    }

    @Test
    void keepAlivePipelinedRequestsPairInOrderAcrossOddSegmentBoundaries() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40000, "10.0.0.2", 80).handshake(MS);
        var reqs = "GET /a HTTP/1.1\r\nHost: web\r\n\r\nPOST /b?x=1 HTTP/1.1\r\nHost: web\r\nContent-Length: 5\r\n\r\nhello";
        t.send(MS, reqs.substring(0, 7));
        t.send(MS, reqs.substring(7, 40));
        t.send(MS, reqs.substring(40));
        var resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nhi"
                + "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nbusy\r\n3\r\n!!!\r\n0\r\nX-T: 1\r\n\r\n";
        for (int i = 0; i < resp.length(); i += 11) t.reply(MS, resp.substring(i, Math.min(resp.length(), i + 11)));
        t.close(MS);
        var ms = replay.analyze(dir);
        assertThat(ms).hasSize(2);
        assertThat(ms.get(0).summary()).isEqualTo("GET /a");
        assertThat(ms.get(0).status()).isEqualTo("200");
        assertThat(http(ms.get(0))).containsEntry("response_body", "hi").containsEntry("host", "web").containsEntry("content_type", "text/plain");
        assertThat(ms.get(0).problem()).isNull();
        assertThat(ms.get(0).src().display()).isEqualTo("10.0.0.1:40000");
        assertThat(ms.get(0).dst().display()).isEqualTo("10.0.0.2:80");
        assertThat(ms.get(1).summary()).isEqualTo("POST /b?x=1");
        assertThat(http(ms.get(1))).containsEntry("path", "/b").containsEntry("request_body", "hello")
                .containsEntry("status", 503L).containsEntry("response_body", "busy!!!");
        assertThat(ms.get(1).error()).isTrue();
        assertThat(ms.get(1).latencyNanos()).isPositive();
        assertThat(ms.get(1).responseBytes()).isEqualTo(resp.length() - resp.indexOf("HTTP/1.1 503"));
    }

    @Test
    void outOfOrderAndRetransmittedSegmentsAreReassembled() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40001, "10.0.0.2", 8080).handshake(MS);
        int a = t.send(MS, "GET /ooo HTTP/1.1\r\n");
        int b = t.send(MS, "Host: x\r\n");
        int c = t.send(MS, "\r\n");
        int r1 = t.reply(MS, "HTTP/1.1 204 No Content\r\n\r\n");
        var ms = replay.analyze(dir, 0, 1, 2, c, a, a, b, b, r1, r1);
        assertThat(ms).singleElement().satisfies(m -> {
            assertThat(m.summary()).isEqualTo("GET /ooo");
            assertThat(m.status()).isEqualTo("204");
            assertThat(m.problem()).isNull();
        });
    }

    @Test
    void lostSegmentBecomesAGapAndTheStreamResyncsAtTheNextRequest() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40002, "10.0.0.2", 80).handshake(MS);
        t.send(MS, "GET /one HTTP/1.1\r\nHost: x\r\n");
        int lost = t.send(MS, "X-Lost: yes\r\n\r\n");
        t.reply(MS, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        t.send(MS, "GET /two HTTP/1.1\r\n\r\n");
        t.reply(MS, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        t.clientAck(MS);
        t.close(MS);
        var order = IntStream.range(0, replay.frames.size()).filter(i -> i != lost).toArray();
        var ms = replay.analyze(dir, order);
        assertThat(ms).extracting(Message::summary).containsExactly("GET /one", "GET /two");
        assertThat(ms.get(0).problem()).startsWith("gap in capture");
        assertThat(ms.get(0).status()).isEqualTo("200");
        assertThat(ms.get(1).problem()).isNull();
        assertThat(ms.get(1).status()).isEqualTo("404");
    }

    @Test
    void connectionAlreadyOpenWhenCaptureStartsIsPickedUpAtTheNextMessage() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40003, "10.0.0.2", 80);
        t.send(MS, "ody-of-an-earlier-request");
        t.reply(MS, "tail of an earlier response");
        t.send(MS, "GET /later HTTP/1.1\r\n\r\n");
        t.reply(MS, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
        var ms = replay.analyze(dir);
        assertThat(ms).singleElement().satisfies(m -> {
            assertThat(m.summary()).isEqualTo("GET /later");
            assertThat(m.src().port()).isEqualTo(40003);
            assertThat(m.problem()).isNull();
        });
    }

    @Test
    void gzipBodyIsDecodedForPreviewAndGapInsideBodyKeepsThePlace() throws Exception {
        var gz = new ByteArrayOutputStream();
        try (var z = new GZIPOutputStream(gz)) {
            z.write("{\"ok\":true}".getBytes(StandardCharsets.UTF_8));
        }
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40004, "10.0.0.2", 80).handshake(MS);
        t.send(MS, "GET /z HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n");
        t.reply(MS, ("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + gz.size() + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        t.reply(MS, gz.toByteArray());
        t.send(MS, "GET /big HTTP/1.1\r\n\r\n");
        t.reply(MS, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n0123456789");
        int lost = t.reply(MS, "0123456789");
        t.reply(MS, "0123456789");
        t.clientAck(MS);
        t.send(MS, "GET /after HTTP/1.1\r\n\r\n");
        t.reply(MS, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        var order = IntStream.range(0, replay.frames.size()).filter(i -> i != lost).toArray();
        var ms = replay.analyze(dir, order);
        assertThat(ms).extracting(Message::summary).containsExactly("GET /z", "GET /big", "GET /after");
        assertThat(http(ms.get(0))).containsEntry("response_body", "{\"ok\":true}");
        assertThat(ms.get(1).problem()).isEqualTo("gap in capture (10 body bytes missing)");
        assertThat(http(ms.get(1))).containsEntry("response_body_size", 30L);
        assertThat(ms.get(2).problem()).isNull();
    }

    @Test
    void headInterimAndUntilCloseResponses() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40005, "10.0.0.2", 80).handshake(MS);
        t.send(MS, "HEAD /h HTTP/1.1\r\n\r\n");
        t.reply(MS, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        t.send(MS, "POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        t.reply(MS, "HTTP/1.1 100 Continue\r\n\r\n");
        t.send(MS, "ok");
        t.reply(MS, "HTTP/1.0 200 OK\r\n\r\nuntil close");
        t.close(MS);
        var ms = replay.analyze(dir);
        assertThat(ms).extracting(Message::summary, Message::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("HEAD /h", "200"), org.assertj.core.groups.Tuple.tuple("POST /p", "200"));
        assertThat(http(ms.get(1))).containsEntry("response_body", "until close").containsEntry("request_body", "ok");
        assertThat(ms).allSatisfy(m -> assertThat(m.problem()).isNull());
    }

    @Test
    void malformedAndAdversarialInputIsMarkedNotFatal() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40006, "10.0.0.2", 80).handshake(MS);
        t.send(MS, "GET /x HTTP/1.1\r\nBad Header Line\r\n\r\n");
        t.reply(MS, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        t.send(MS, "GET /huge HTTP/1.1\r\n\r\n");
        t.reply(MS, "HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\nabc");
        t.close(MS);
        var ms = replay.analyze(dir);
        assertThat(ms).hasSize(2);
        assertThat(ms.get(0).problem()).isEqualTo("malformed: bad header line");
        assertThat(ms.get(0).status()).isEqualTo("400");
        assertThat(ms.get(1).problem()).isEqualTo("connection closed mid-message");
        assertThat(http(ms.get(1))).containsEntry("response_body_size", 3L);
    }

    @Test
    void requestWithoutResponseIsReportedAtClose() {
        var replay = new Replay();
        var t = replay.tcp("::1", 40007, "::2", 80).handshake(MS);
        t.send(MS, "DELETE /gone HTTP/1.1\r\n\r\n");
        t.close(MS);
        var ms = replay.analyze(dir);
        assertThat(ms).singleElement().satisfies(m -> {
            assertThat(m.problem()).isEqualTo("no response");
            assertThat(m.latencyNanos()).isEqualTo(-1);
            assertThat(m.dst().display()).isEqualTo("[::2]:80");
        });
    }
}
