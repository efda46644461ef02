package dev.kscope.traffic.pcap;

import dev.kscope.core.KscopeException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a pcap or pcapng file, mapped into memory: packets are slices of the mapping, nothing is copied.
 * A file truncated in the middle of a record (a capture that was killed) ends the stream at the last whole
 * packet; {@link #truncated()} tells whether that happened.
 */
public final class PcapFileSource implements PacketSource {
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int PCAPNG_SHB = 0x0A0D0D0A;

    private final Path path;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment file;
    private volatile boolean closed;
    private boolean truncated;
    private long packets;

    public PcapFileSource(Path path) {
        this.path = path;
        if (java.nio.file.Files.isDirectory(path)) {
            throw new KscopeException("cannot read " + path + ": it is a directory (give a .pcap or .pcapng file)");
        }
        try (var ch = FileChannel.open(path, StandardOpenOption.READ)) {
            this.file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new KscopeException("cannot read " + path + ": no such file (check the path given to -r)");
        } catch (IOException e) {
            arena.close();
            throw new KscopeException("cannot read " + path + ": " + e.getMessage() + " (check the file's permissions)", e);
        }
        if (file.byteSize() < 24) {
            close();
            throw new KscopeException("cannot read " + path + ": " + file.byteSize()
                    + " bytes is too short for a pcap or pcapng header (is it a capture file?)");
        }
    }

    public boolean truncated() {
        return truncated;
    }

    public long packetCount() {
        return packets;
    }

    public long fileSize() {
        return file.byteSize();
    }

    @Override
    public void run(PacketHandler handler) {
        int magic = file.get(INT_BE, 0);
        switch (magic) {
            case 0xA1B2C3D4 -> readPcap(handler, INT_BE, SHORT_BE, 1000);
            case 0xD4C3B2A1 -> readPcap(handler, INT_LE, SHORT_LE, 1000);
            case 0xA1B23C4D -> readPcap(handler, INT_BE, SHORT_BE, 1);
            case 0x4D3CB2A1 -> readPcap(handler, INT_LE, SHORT_LE, 1);
            case PCAPNG_SHB -> readPcapng(handler);
            default -> throw new KscopeException(String.format(
                    "cannot read %s: unknown file magic 0x%08x (expected a pcap or pcapng capture, e.g. from tcpdump -w)", path, magic));
        }
    }

    private void readPcap(PacketHandler handler, ValueLayout.OfInt i32, ValueLayout.OfShort i16, long nanosPerFraction) {
        int linkType = file.get(i32, 20) & 0x0FFFFFFF; // upper bits may carry FCS info
        long size = file.byteSize();
        long pos = 24;
        while (!closed && pos + 16 <= size) {
            long sec = Integer.toUnsignedLong(file.get(i32, pos));
            long frac = Integer.toUnsignedLong(file.get(i32, pos + 4));
            long incl = Integer.toUnsignedLong(file.get(i32, pos + 8));
            int orig = file.get(i32, pos + 12);
            if (incl > 0x4000000) {
                throw new KscopeException("cannot read " + path + ": packet record at offset " + pos + " claims " + incl
                        + " bytes (the file is corrupt; try 'tcpdump -r' on it)");
            }
            if (pos + 16 + incl > size) {
                truncated = true;
                return;
            }
            handler.onPacket(new Packet(packets++, sec * 1_000_000_000L + frac * nanosPerFraction, linkType,
                    file.asSlice(pos + 16, incl), orig));
            pos += 16 + incl;
        }
        if (pos < size && !closed) truncated = true;
    }

    private void readPcapng(PacketHandler handler) {
        long size = file.byteSize();
        long pos = 0;
        ValueLayout.OfInt i32 = INT_LE;
        ValueLayout.OfShort i16 = SHORT_LE;
        List<int[]> interfaces = new ArrayList<>();     // {linkType, snaplen}
        List<long[]> resolutions = new ArrayList<>();   // {units per second}
        while (!closed && pos + 12 <= size) {
            int type = file.get(i32, pos);
            if (type == PCAPNG_SHB) {
                int bom = file.get(INT_LE, pos + 8);
                if (bom == 0x1A2B3C4D) {
                    i32 = INT_LE;
                    i16 = SHORT_LE;
                } else if (bom == 0x4D3C2B1A) {
                    i32 = INT_BE;
                    i16 = SHORT_BE;
                } else {
                    throw new KscopeException("cannot read " + path + ": bad pcapng byte-order magic at offset " + pos + " (the file is corrupt)");
                }
                interfaces.clear();
                resolutions.clear();
            }
            long len = Integer.toUnsignedLong(file.get(i32, pos + 4));
            if (len < 12 || (len & 3) != 0) {
                throw new KscopeException("cannot read " + path + ": pcapng block at offset " + pos + " has length " + len + " (the file is corrupt)");
            }
            if (pos + len > size) {
                truncated = true;
                return;
            }
            switch (type) {
                case 1 -> { // Interface Description Block
                    interfaces.add(new int[]{Short.toUnsignedInt(file.get(i16, pos + 8)), file.get(i32, pos + 12)});
                    resolutions.add(new long[]{tsResolution(pos + 16, pos + len - 4, i32, i16)});
                }
                case 6 -> { // Enhanced Packet Block
                    int ifc = file.get(i32, pos + 8);
                    long ts = (Integer.toUnsignedLong(file.get(i32, pos + 12)) << 32) | Integer.toUnsignedLong(file.get(i32, pos + 16));
                    long cap = Integer.toUnsignedLong(file.get(i32, pos + 20));
                    int orig = file.get(i32, pos + 24);
                    if (ifc < 0 || ifc >= interfaces.size() || 28 + cap > len) {
                        throw new KscopeException("cannot read " + path + ": packet block at offset " + pos
                                + " refers to an unknown interface or overruns its block (the file is corrupt)");
                    }
                    handler.onPacket(new Packet(packets++, toNanos(ts, resolutions.get(ifc)[0]), interfaces.get(ifc)[0],
                            file.asSlice(pos + 28, cap), orig));
                }
                case 3 -> { // Simple Packet Block: interface 0, no timestamp
                    if (interfaces.isEmpty()) {
                        throw new KscopeException("cannot read " + path + ": simple packet block before any interface block (the file is corrupt)");
                    }
                    int orig = file.get(i32, pos + 8);
                    int snap = interfaces.getFirst()[1];
                    long cap = Math.min(Integer.toUnsignedLong(orig), snap == 0 ? len - 16 : Math.min(snap, len - 16));
                    handler.onPacket(new Packet(packets++, 0, interfaces.getFirst()[0], file.asSlice(pos + 12, cap), orig));
                }
                default -> { // section header, name resolution, statistics, custom: nothing to dissect
                }
            }
            pos += len;
        }
        if (pos < size && !closed) truncated = true;
    }

    /** Reads if_tsresol (option 9): units per second; default microseconds. */
    private long tsResolution(long opt, long end, ValueLayout.OfInt i32, ValueLayout.OfShort i16) {
        while (opt + 4 <= end) {
            int code = Short.toUnsignedInt(file.get(i16, opt));
            int olen = Short.toUnsignedInt(file.get(i16, opt + 2));
            if (code == 0) break;
            if (code == 9 && olen >= 1) {
                int v = file.get(ValueLayout.JAVA_BYTE, opt + 4) & 0xFF;
                int exp = v & 0x7F;
                if ((v & 0x80) != 0) return exp >= 62 ? Long.MAX_VALUE : 1L << exp;
                long r = 1;
                for (int k = 0; k < Math.min(exp, 18); k++) r *= 10;
                return r;
            }
            opt += 4 + ((olen + 3) & ~3);
        }
        return 1_000_000;
    }

    private static long toNanos(long ts, long unitsPerSecond) {
        if (unitsPerSecond == 1_000_000_000L) return ts;
        if (unitsPerSecond == 1_000_000L) return ts * 1000;
        long sec = ts / unitsPerSecond;
        long rem = ts % unitsPerSecond;
        return sec * 1_000_000_000L + (long) (rem * (1e9 / unitsPerSecond));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
