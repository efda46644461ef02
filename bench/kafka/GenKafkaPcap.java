import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.PcapWriter;
import dev.kscope.traffic.pcap.TcpConversation;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A synthetic Kafka capture in the versions Wireshark 4.0 decodes in full (so both tools do the same work):
 * connections to a broker on 9092, each alternating Produce v8 (a batch of 10 records) and Fetch v11 (the same
 * batch back), with ACKs and FINs. Deterministic.
 * Usage: java -cp traffic/target/classes GenKafkaPcap.java OUT.pcap [connections] [exchangesPerConnection]
 */
public class GenKafkaPcap {
    public static void main(String[] args) {
        int conns = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int perConn = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        long packets = 0, t = 1_760_000_000_000_000_000L;
        try (var w = new PcapWriter(Path.of(args[0]), LinkTypes.ETHERNET)) {
            for (int c = 0; c < conns; c++) {
                String cli = "10.244." + (1 + c % 200) + "." + (2 + c % 250), srv = "10.96.1." + (10 + c % 3);
                var tcp = new TcpConversation(w, t, cli, 30000 + c % 30000, srv, 9092, 999 + c, 899_999 + c);
                tcp.handshake(1000);
                String topic = "orders-" + (c % 7);
                for (int i = 0; i < perConn; i++) {
                    var batch = batch(i * 10L, 10);
                    boolean produce = i % 2 == 0;
                    tcp.send(20_000, produce ? produceRequest(i, topic, batch) : fetchRequest(i, topic));
                    tcp.reply(300_000, produce ? produceResponse(i, topic) : fetchResponse(i, topic, batch));
                    tcp.clientAck(5_000);
                }
                tcp.close(1000);
                t = tcp.nanos();
                packets += tcp.frames();
            }
        }
        System.out.println(packets + " packets, " + conns * perConn + " Kafka calls -> " + args[0]);
    }

    /** A v2 record batch of {@code count} records (key "k<n>", a 100-byte value), CRC-32C as brokers check it. */
    static byte[] batch(long baseOffset, int count) {
        var records = new ByteArrayOutputStream();
        for (int n = 0; n < count; n++) {
            var body = new ByteArrayOutputStream();
            body.write(0); // attributes
            varint(body, n); // timestamp delta
            varint(body, n); // offset delta
            var key = ("k" + n).getBytes(StandardCharsets.US_ASCII);
            varint(body, key.length);
            body.writeBytes(key);
            varint(body, 100);
            body.writeBytes(new byte[100]);
            varint(body, 0); // headers
            varint(records, body.size());
            records.writeBytes(body.toByteArray());
        }
        var afterCrc = ByteBuffer.allocate(2 + 4 + 8 + 8 + 8 + 2 + 4 + 4 + records.size())
                .putShort((short) 0).putInt(count - 1).putLong(1_760_000_000_000L).putLong(1_760_000_000_000L + count - 1)
                .putLong(-1).putShort((short) -1).putInt(-1).putInt(count).put(records.toByteArray());
        var crc = new CRC32C();
        crc.update(afterCrc.array());
        return ByteBuffer.allocate(12 + 4 + 1 + 4 + afterCrc.capacity()).putLong(baseOffset).putInt(4 + 1 + 4 + afterCrc.capacity())
                .putInt(0).put((byte) 2).putInt((int) crc.getValue()).put(afterCrc.array()).array();
    }

    static void varint(ByteArrayOutputStream out, long v) {
        long z = (v << 1) ^ (v >> 63); // zigzag
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
    }

    static ByteBuffer frame(int size) {
        return ByteBuffer.allocate(4 + size).putInt(size);
    }

    static byte[] str(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] produceRequest(int correlation, String topic, byte[] batch) {
        var client = str("bench-producer");
        var name = str(topic);
        int size = 2 + 2 + 4 + 2 + client.length + 2 + 2 + 4 + 4 + 2 + name.length + 4 + 4 + 4 + batch.length;
        return frame(size).putShort((short) 0).putShort((short) 8).putInt(correlation).putShort((short) client.length).put(client)
                .putShort((short) -1).putShort((short) -1).putInt(30_000).putInt(1).putShort((short) name.length).put(name)
                .putInt(1).putInt(0).putInt(batch.length).put(batch).array();
    }

    static byte[] produceResponse(int correlation, String topic) {
        var name = str(topic);
        int size = 4 + 4 + 2 + name.length + 4 + 4 + 2 + 8 + 8 + 8 + 4 + 2 + 4;
        return frame(size).putInt(correlation).putInt(1).putShort((short) name.length).put(name).putInt(1).putInt(0)
                .putShort((short) (correlation == 0 ? 6 : 0)) // a connection's first Produce: NOT_LEADER_OR_FOLLOWER
                .putLong(correlation * 10L).putLong(-1).putLong(0)
                .putInt(0).putShort((short) -1).putInt(0).array();
    }

    static byte[] fetchRequest(int correlation, String topic) {
        var client = str("bench-consumer");
        var name = str(topic);
        int size = 2 + 2 + 4 + 2 + client.length + 4 + 4 + 4 + 4 + 1 + 4 + 4 + 4 + 2 + name.length + 4 + 4 + 4 + 8 + 8 + 4 + 4 + 2;
        return frame(size).putShort((short) 1).putShort((short) 11).putInt(correlation).putShort((short) client.length).put(client)
                .putInt(-1).putInt(500).putInt(1).putInt(1 << 20).put((byte) 0).putInt(0).putInt(-1)
                .putInt(1).putShort((short) name.length).put(name).putInt(1).putInt(0).putInt(-1).putLong(correlation * 10L)
                .putLong(-1).putInt(1 << 20).putInt(0).putShort((short) 0).array();
    }

    static byte[] fetchResponse(int correlation, String topic, byte[] batch) {
        var name = str(topic);
        int size = 4 + 4 + 2 + 4 + 4 + 2 + name.length + 4 + 4 + 2 + 8 + 8 + 8 + 4 + 4 + 4 + batch.length;
        return frame(size).putInt(correlation).putInt(0).putShort((short) 0).putInt(0).putInt(1).putShort((short) name.length)
                .put(name).putInt(1).putInt(0).putShort((short) 0).putLong(correlation * 10L + 10).putLong(correlation * 10L + 10)
                .putLong(0).putInt(-1).putInt(-1).putInt(batch.length).put(batch).array();
    }
}
