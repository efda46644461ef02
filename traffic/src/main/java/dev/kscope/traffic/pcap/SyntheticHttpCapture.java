package dev.kscope.traffic.pcap;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

/**
 * A synthetic HTTP/1.1 capture: keep-alive connections to port 80, each with a handshake, request/response pairs
 * (JSON bodies of varied size, every 7th chunked, some 404/500), ACKs and a FIN exchange. Deterministic (fixed
 * seed). Feeds the offline benchmark (bench/traffic) and the JVM's AOT training run.
 */
public final class SyntheticHttpCapture {
    private SyntheticHttpCapture() {}

    /** Writes {@code connections} keep-alive connections of {@code callsPerConnection} calls each; returns the packet count. */
    public static long write(Path out, int connections, int callsPerConnection) {
        int conns = connections, perConn = callsPerConnection;
        var rnd = new Random(42);
        long packets = 0;
        long t = 1_760_000_000_000_000_000L;
        try (var w = new PcapWriter(out, LinkTypes.ETHERNET)) {
            for (int c = 0; c < conns; c++) {
                String cli = "10.244." + (1 + c % 200) + "." + (2 + c % 250), srv = "10.96.0." + (10 + c % 20);
                var tcp = new TcpConversation(w, t, cli, 30000 + c % 30000, srv, 80, rnd.nextInt(), rnd.nextInt());
                tcp.handshake(1000);
                for (int r = 0; r < perConn; r++) {
                    int id = rnd.nextInt(100000);
                    tcp.send(20_000, ("GET /api/v1/items/" + id + "?fields=name,price HTTP/1.1\r\nHost: shop.default.svc\r\n"
                            + "User-Agent: bench/1.0\r\nAccept: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    tcp.serverAck(5_000);
                    int status = rnd.nextInt(50) == 0 ? 500 : rnd.nextInt(20) == 0 ? 404 : 200;
                    var body = "{\"id\":" + id + ",\"name\":\"item-" + id + "\",\"price\":" + rnd.nextInt(10000)
                            + ",\"tags\":[\"" + "x".repeat(600 + rnd.nextInt(600)) + "\"]}";
                    String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : status == 404 ? " Not Found" : " Internal Server Error")
                            + "\r\nContent-Type: application/json\r\nServer: bench\r\n";
                    String resp = r % 7 == 0
                            ? head + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n"
                            : head + "Content-Length: " + body.length() + "\r\n\r\n" + body;
                    tcp.reply(300_000, resp.getBytes(StandardCharsets.US_ASCII));
                    tcp.clientAck(5_000);
                }
                tcp.close(1000);
                t = tcp.nanos();
                packets += tcp.frames();
            }
        }
        return packets;
    }
}
