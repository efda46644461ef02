package dev.kscope.traffic.pcap;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Builds Ethernet frames carrying IPv4/IPv6 TCP or UDP, for traffic generators and tests. */
public final class Frames {
    private Frames() {
    }

    public static byte[] tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] payload) {
        var tcp = ByteBuffer.allocate(20 + payload.length);
        tcp.putShort((short) sport).putShort((short) dport).putInt(seq).putInt(ack)
                .put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0).put(payload);
        return ip(src, dst, 6, tcp.array());
    }

    public static byte[] udp(String src, int sport, String dst, int dport, byte[] payload) {
        var udp = ByteBuffer.allocate(8 + payload.length);
        udp.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload.length)).putShort((short) 0).put(payload);
        return ip(src, dst, 17, udp.array());
    }

    private static byte[] ip(String src, String dst, int proto, byte[] l4) {
        var s = addr(src);
        var d = addr(dst);
        ByteBuffer f;
        if (s.length == 4) {
            f = ByteBuffer.allocate(14 + 20 + l4.length);
            ether(f, 0x0800);
            int start = f.position();
            f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putShort((short) 0).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) proto).putShort((short) 0).put(s).put(d);
            int sum = 0;
            for (int i = start; i < start + 20; i += 2) sum += f.getShort(i) & 0xFFFF;
            while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
            f.putShort(start + 10, (short) ~sum);
        } else {
            f = ByteBuffer.allocate(14 + 40 + l4.length);
            ether(f, 0x86DD);
            f.putInt(0x60000000).putShort((short) l4.length).put((byte) proto).put((byte) 64).put(s).put(d);
        }
        f.put(l4);
        return f.array();
    }

    private static void ether(ByteBuffer f, int type) {
        f.put(new byte[]{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) type);
    }

    private static byte[] addr(String ip) {
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + ip, e);
        }
    }
}
