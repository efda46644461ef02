package dev.kscope.capture;

import dev.kscope.core.pcapng.PcapngBlocks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Commands, the tcpdump/tshark/capinfos oracles, and readers for the two file formats. */
final class Tools {
    private Tools() {}

    record Result(int exit, String out, String err) {}

    static Result exec(String... cmd) {
        try {
            var p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            var out = p.getInputStream().readAllBytes();
            var err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd), e);
        }
    }

    static String run(String... cmd) {
        var r = exec(cmd);
        if (r.exit != 0) throw new AssertionError(String.join(" ", cmd) + " failed (" + r.exit + "): " + r.err);
        return r.out;
    }

    static void runQuietly(String... cmd) {
        exec(cmd);
    }

    /** tshark and capinfos both read the file, with no warning and no error. */
    static void assertWiresharkReadsCleanly(Path file) {
        var cap = exec("capinfos", file.toString());
        assertThat(cap.err).as("capinfos stderr for " + file).isEmpty();
        assertThat(cap.exit).as("capinfos exit for " + file).isZero();
        var shark = exec("tshark", "-r", file.toString(), "-q", "-z", "io,stat,0");
        var warnings = shark.err.lines().filter(l -> !l.startsWith("Running as user \"root\"")).toList();
        assertThat(warnings).as("tshark warnings for " + file).isEmpty();
        assertThat(shark.exit).as("tshark exit for " + file).isZero();
    }

    /** A running tcpdump; {@link #stop()} sends SIGINT and waits, as Ctrl-C would. */
    static final class Tcpdump {
        final Process process;
        final Path file;

        Tcpdump(String netns, String iface, Path file, String... extra) throws Exception {
            this(List.of("ip", "netns", "exec", netns), iface, file, extra);
        }

        /** tcpdump in the network namespace of a process, e.g. a pod's container. */
        static Tcpdump inNetnsOf(long pid, String iface, Path file, String... extra) throws Exception {
            return new Tcpdump(List.of("nsenter", "--net=/proc/" + pid + "/ns/net"), iface, file, extra);
        }

        private Tcpdump(List<String> enter, String iface, Path file, String... extra) throws Exception {
            this.file = file;
            var cmd = new ArrayList<>(enter);
            cmd.addAll(List.of("tcpdump", "-i", iface, "-w", file.toString(), "-U", "--immediate-mode"));
            cmd.addAll(Arrays.asList(extra));
            process = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            var err = new java.io.BufferedReader(new java.io.InputStreamReader(process.getErrorStream()));
            String line;
            while ((line = err.readLine()) != null && !line.contains("listening on")) { /* wait until tcpdump's socket is open */ }
            if (line == null) throw new AssertionError("tcpdump did not start");
            drain = Thread.ofPlatform().daemon().start(() -> {
                try {
                    String l;
                    while ((l = err.readLine()) != null) stderr.append(l).append('\n');
                } catch (IOException ignored) {
                    // tcpdump ended
                }
            });
        }

        private final StringBuffer stderr = new StringBuffer();
        private Thread drain;

        /** Stops tcpdump as Ctrl-C does; returns how many packets it says the kernel dropped. */
        long stop() throws Exception {
            run("kill", "-INT", String.valueOf(process.pid()));
            process.waitFor(10, TimeUnit.SECONDS);
            drain.join(5000);
            var m = java.util.regex.Pattern.compile("(\\d+) packets dropped by kernel").matcher(stderr);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }
    }

    record Packet(int iface, long tsNanos, int origLen, byte[] data) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Packet p && origLen == p.origLen && Arrays.equals(data, p.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Packet[len=" + origLen + "/" + data.length + ", " + java.util.HexFormat.of().formatHex(data, 0, Math.min(48, data.length)) + "]";
        }
    }

    /** Packets of a classic pcap file (what tcpdump -w writes). */
    static List<Packet> readPcap(Path file) throws IOException {
        var b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        assertThat(magic).isIn(0xa1b2c3d4, 0xa1b23c4d);
        long unit = magic == 0xa1b2c3d4 ? 1000 : 1;
        var result = new ArrayList<Packet>();
        b.position(24);
        while (b.remaining() >= 16) {
            long sec = b.getInt() & 0xffffffffL, frac = b.getInt() & 0xffffffffL;
            int incl = b.getInt(), orig = b.getInt();
            var data = new byte[incl];
            b.get(data);
            result.add(new Packet(0, sec * 1_000_000_000L + frac * unit, orig, data));
        }
        return result;
    }

    /** @param delivered isb_usrdeliv of each statistics block at the end of the file, in order */
    record Pcapng(List<String> interfaceNames, List<String> interfaceComments, List<String> interfaceIpv4, List<Packet> packets, int statistics,
                  List<Long> delivered) {}

    /** Packets and interfaces of a pcapng file; checks every block's two length fields agree. */
    static Pcapng readPcapng(Path file) throws IOException {
        var b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
        var names = new ArrayList<String>();
        var comments = new ArrayList<String>();
        var ipv4 = new ArrayList<String>();
        var packets = new ArrayList<Packet>();
        int isbs = 0;
        var delivered = new ArrayList<Long>();
        int pos = 0;
        while (pos < b.limit()) {
            int type = b.getInt(pos), len = b.getInt(pos + 4);
            assertThat(len % 4).isZero();
            assertThat(b.getInt(pos + len - 4)).as("trailing length of block at " + pos).isEqualTo(len);
            switch (type) {
                case PcapngBlocks.IDB -> {
                    String name = null, comment = null, v4 = null;
                    for (int o = pos + 16; o < pos + len - 4; ) {
                        int code = b.getShort(o) & 0xffff, olen = b.getShort(o + 2) & 0xffff;
                        if (code == 0) break;
                        var v = new String(b.array(), o + 4, olen, StandardCharsets.UTF_8);
                        if (code == 2) name = v;
                        if (code == 1) comment = v;
                        if (code == 4) {
                            v4 = (b.get(o + 4) & 0xff) + "." + (b.get(o + 5) & 0xff) + "." + (b.get(o + 6) & 0xff) + "." + (b.get(o + 7) & 0xff)
                                    + "/" + Integer.bitCount(b.order(ByteOrder.BIG_ENDIAN).getInt(o + 8));
                            b.order(ByteOrder.nativeOrder());
                        }
                        o += 4 + ((olen + 3) & ~3);
                    }
                    names.add(name);
                    comments.add(comment);
                    ipv4.add(v4);
                }
                case PcapngBlocks.EPB -> {
                    int ifid = b.getInt(pos + 8), cap = b.getInt(pos + 20), orig = b.getInt(pos + 24);
                    long ts = (b.getInt(pos + 12) & 0xffffffffL) << 32 | (b.getInt(pos + 16) & 0xffffffffL);
                    packets.add(new Packet(ifid, ts, orig, Arrays.copyOfRange(b.array(), pos + 28, pos + 28 + cap)));
                }
                case PcapngBlocks.ISB -> {
                    isbs++;
                    for (int o = pos + 20; o < pos + len - 4; ) {
                        int code = b.getShort(o) & 0xffff, olen = b.getShort(o + 2) & 0xffff;
                        if (code == 0) break;
                        if (code == 8) delivered.add(b.getLong(o + 4));
                        o += 4 + ((olen + 3) & ~3);
                    }
                }
                default -> { }
            }
            if (type != PcapngBlocks.ISB) delivered.clear();
            pos += len;
        }
        return new Pcapng(names, comments, ipv4, packets, isbs, delivered);
    }
}
