package dev.kscope.traffic.reassembly;

import dev.kscope.traffic.decode.DecodedPacket;


/**
 * Both directions of a conversation map to the same key: side A is the smaller (address, port).
 * Addresses are 128-bit, IPv4 as ::ffff:a.b.c.d.
 */
public record FlowKey(int protocol, long aHi, long aLo, int aPort, long bHi, long bLo, int bPort) {

    /** The key of the packet's conversation; {@link #isA} tells whether the packet was sent by side A. */
    public static FlowKey of(DecodedPacket p) {
        return isA(p)
                ? new FlowKey(p.protocol, p.srcHi, p.srcLo, p.srcPort, p.dstHi, p.dstLo, p.dstPort)
                : new FlowKey(p.protocol, p.dstHi, p.dstLo, p.dstPort, p.srcHi, p.srcLo, p.srcPort);
    }

    public static boolean isA(DecodedPacket p) {
        int c = Long.compareUnsigned(p.srcHi, p.dstHi);
        if (c == 0) c = Long.compareUnsigned(p.srcLo, p.dstLo);
        if (c == 0) c = Integer.compare(p.srcPort, p.dstPort);
        return c <= 0;
    }

    // Written out: a record's generated equals/hashCode go through method handles, slow until the JIT has compiled
    // them, and every packet looks its connection up by this key.
    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey k && aLo == k.aLo && bLo == k.bLo && aPort == k.aPort && bPort == k.bPort
                && aHi == k.aHi && bHi == k.bHi && protocol == k.protocol;
    }

    @Override
    public int hashCode() {
        long h = aLo * 31 + bLo;
        h = h * 31 + aHi * 17 + bHi;
        h = h * 31 + ((long) aPort << 16 | bPort) * 7 + protocol;
        return Long.hashCode(h * 0x9E3779B97F4A7C15L);
    }

    public String aAddress() {
        return format(aHi, aLo);
    }

    public String bAddress() {
        return format(bHi, bLo);
    }

    public static String format(long hi, long lo) {
        if (hi == 0 && (lo >>> 32) == 0xFFFF) {
            return ((lo >>> 24) & 0xFF) + "." + ((lo >>> 16) & 0xFF) + "." + ((lo >>> 8) & 0xFF) + "." + (lo & 0xFF);
        }
        // RFC 5952: lowercase hex, the longest run (>= 2) of zero groups as ::
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            g[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        var sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
