package dev.kscope.traffic.dissect.dns;

import dev.kscope.traffic.dissect.Malformed;

import java.util.ArrayList;
import java.util.List;

/** A parsed DNS message (RFC 1035): header, first question, answers rendered as text. */
record DnsMessage(int id, boolean response, int opcode, int rcode, boolean truncated, String name, int type,
                  List<String> answers) {
    private static final int MAX_RECORDS = 64;

    static DnsMessage parse(byte[] b, int off, int len) {
        if (len < 12) throw new Malformed("DNS message shorter than its 12-byte header");
        var r = new Reader(b, off, len);
        int id = r.u16();
        int flags = r.u16();
        int qd = r.u16(), an = r.u16();
        r.u16();
        r.u16();
        int opcode = (flags >> 11) & 0xF;
        if (opcode > 6) throw new Malformed("unknown DNS opcode " + opcode);
        if (qd == 0 || qd > 16) throw new Malformed("DNS question count " + qd);
        String name = r.name();
        int type = r.u16();
        r.u16();
        for (int i = 1; i < qd; i++) {
            r.name();
            r.u16();
            r.u16();
        }
        var answers = new ArrayList<String>();
        boolean response = (flags & 0x8000) != 0;
        if (response) {
            for (int i = 0; i < Math.min(an, MAX_RECORDS); i++) {
                var owner = r.name();
                int t = r.u16();
                r.u16();
                r.u32();
                int rdlen = r.u16();
                int rdStart = r.pos;
                r.need(rdlen);
                answers.add(render(r, t, rdStart, rdlen));
                r.pos = rdStart + rdlen;
            }
        }
        return new DnsMessage(id, response, opcode, flags & 0xF, (flags & 0x0200) != 0, name, type, answers);
    }

    private static String render(Reader r, int type, int at, int len) {
        var b = r.b;
        return switch (type) {
            case 1 -> len == 4 ? (b[at] & 0xFF) + "." + (b[at + 1] & 0xFF) + "." + (b[at + 2] & 0xFF) + "." + (b[at + 3] & 0xFF)
                    : "A(bad length " + len + ")";
            case 28 -> {
                if (len != 16) yield "AAAA(bad length " + len + ")";
                try {
                    yield java.net.InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, at, at + 16)).getHostAddress();
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            case 5, 2, 12 -> {
                r.pos = at;
                yield r.name();
            }
            case 15 -> {
                r.pos = at + 2;
                yield ((b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF)) + " " + r.name();
            }
            case 16 -> {
                var sb = new StringBuilder();
                int p = at;
                while (p < at + len) {
                    int l = b[p] & 0xFF;
                    if (p + 1 + l > at + len) throw new Malformed("TXT string overruns its record");
                    sb.append(new String(b, p + 1, l, java.nio.charset.StandardCharsets.UTF_8));
                    p += 1 + l;
                }
                yield sb.toString();
            }
            default -> typeName(type) + "(" + len + " bytes)";
        };
    }

    static String typeName(int t) {
        return switch (t) {
            case 1 -> "A";
            case 2 -> "NS";
            case 5 -> "CNAME";
            case 6 -> "SOA";
            case 12 -> "PTR";
            case 15 -> "MX";
            case 16 -> "TXT";
            case 28 -> "AAAA";
            case 33 -> "SRV";
            case 65 -> "HTTPS";
            case 255 -> "ANY";
            default -> "TYPE" + t;
        };
    }

    static String rcodeName(int rcode) {
        return switch (rcode) {
            case 0 -> "NOERROR";
            case 1 -> "FORMERR";
            case 2 -> "SERVFAIL";
            case 3 -> "NXDOMAIN";
            case 4 -> "NOTIMP";
            case 5 -> "REFUSED";
            default -> "RCODE" + rcode;
        };
    }

    private static final class Reader {
        final byte[] b;
        final int start, end;
        int pos;

        Reader(byte[] b, int off, int len) {
            this.b = b;
            this.start = off;
            this.end = off + len;
            this.pos = off;
        }

        void need(int n) {
            if (n < 0 || n > end - pos) throw new Malformed("DNS message truncated");
        }

        int u16() {
            need(2);
            int v = (b[pos] & 0xFF) << 8 | (b[pos + 1] & 0xFF);
            pos += 2;
            return v;
        }

        long u32() {
            need(4);
            long v = ((long) (b[pos] & 0xFF) << 24) | (b[pos + 1] & 0xFF) << 16 | (b[pos + 2] & 0xFF) << 8 | (b[pos + 3] & 0xFF);
            pos += 4;
            return v;
        }

        /** A domain name; compression pointers are followed at most 32 times (no loops), names capped at 255. */
        String name() {
            var sb = new StringBuilder();
            int p = pos;
            int jumps = 0;
            int resume = -1;
            while (true) {
                if (p >= end) throw new Malformed("DNS name runs past the message");
                int l = b[p] & 0xFF;
                if (l == 0) {
                    p++;
                    break;
                }
                if ((l & 0xC0) == 0xC0) {
                    if (p + 1 >= end) throw new Malformed("DNS name pointer truncated");
                    if (++jumps > 32) throw new Malformed("DNS name compression loop");
                    if (resume < 0) resume = p + 2;
                    p = start + (((l & 0x3F) << 8) | (b[p + 1] & 0xFF));
                    continue;
                }
                if ((l & 0xC0) != 0) throw new Malformed("bad DNS label type");
                if (p + 1 + l > end) throw new Malformed("DNS label runs past the message");
                if (!sb.isEmpty()) sb.append('.');
                for (int i = 0; i < l; i++) sb.append((char) (b[p + 1 + i] & 0xFF));
                if (sb.length() > 255) throw new Malformed("DNS name longer than 255");
                p += 1 + l;
            }
            pos = resume >= 0 ? resume : p;
            return sb.isEmpty() ? "." : sb.toString();
        }
    }
}
