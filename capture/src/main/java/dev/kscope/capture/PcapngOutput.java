package dev.kscope.capture;

import dev.kscope.core.KscopeException;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Files;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Where packets go: one pcapng file, a ring of files rotated by size or time (tcpdump's -C/-G/-W), or a stream
 * (stdout). Every file is a complete pcapng section: SHB, one IDB per interface, packets, and ISBs with the
 * counters when it is closed. A failed write (disk full, reader gone) leaves the file cut at its last whole block.
 * Thread-safe: capture threads call {@link #packet} concurrently.
 */
public final class PcapngOutput implements AutoCloseable {

    /**
     * tcpdump's ring-buffer options; 0 turns each off.
     *
     * @param maxBytes start a new file when this one is this big (-C, in bytes)
     * @param seconds  start a new file every this many seconds (-G); a '%' in the file name is a strftime pattern
     * @param files    with maxBytes: reuse this many files in a ring; with seconds only: stop after this many (-W)
     */
    public record Rotation(long maxBytes, long seconds, int files) {
        public static final Rotation NONE = new Rotation(0, 0, 0);

        boolean on() {
            return maxBytes > 0 || seconds > 0;
        }
    }

    private static final int BUFFER = 4 << 20;
    /** Packets reach the file this soon when the capture threads have nothing to read. */
    private static final long FLUSH_NANOS = 200_000_000L;
    private final Path path;            // null for a stream
    private final Rotation rotation;
    private final List<Path> written = new ArrayList<>();
    private final String application, os;
    private WritableByteChannel stream;     // a caller's channel, written on the capture threads
    private BackgroundWriter background;    // or a file or stdout, written on a thread of its own
    private PcapngWriter writer;
    private List<InterfaceInfo> interfaces = List.of();
    private long[] captured = new long[0];
    private long total, limit;
    private int fileIndex;
    private long fileStartNanos, captureStartNanos, headerEnd, lastFlushNanos;
    private Supplier<List<CaptureStats>> stats = List::of;
    private IOException failure;
    private boolean limitReached, filesExhausted, finished, stdout;

    private PcapngOutput(Path path, WritableByteChannel stream, BackgroundWriter background, Rotation rotation) {
        this.path = path;
        this.stream = stream;
        this.background = background;
        this.rotation = rotation;
        this.application = "kscope " + version() + " (Java " + Runtime.version().feature() + ")";
        this.os = System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    /** Creates (or truncates) the file now, so an unwritable path fails before any capture starts. */
    public static PcapngOutput toFile(Path path, Rotation rotation) {
        var out = new PcapngOutput(path, null, null, rotation);
        out.background = out.openFile(out.fileName(0));
        return out;
    }

    public static PcapngOutput toStream(WritableByteChannel channel) {
        return new PcapngOutput(null, channel, null, Rotation.NONE);
    }

    /** Standard output; when it is a pipe whose reader went away (Wireshark closed), the capture ends even if no packet comes. */
    public static PcapngOutput toStdout() {
        var out = new PcapngOutput(null, null, new BackgroundWriter(new java.io.FileOutputStream(java.io.FileDescriptor.out).getChannel(), "stdout"), Rotation.NONE);
        out.stdout = true;
        return out;
    }

    /** The files written so far, in order (empty for a stream). */
    public synchronized List<Path> files() {
        return List.copyOf(written);
    }

    /** The failure that stopped writing, or null. */
    public synchronized IOException failure() {
        return failure;
    }

    synchronized long captured() {
        return total;
    }

    synchronized long captured(int interfaceId) {
        return interfaceId < captured.length ? captured[interfaceId] : 0;
    }

    /** True once the output cannot take more packets: failed, reached the packet limit, or wrote its last file. */
    synchronized boolean done() {
        return failure != null || limitReached || filesExhausted;
    }

    synchronized boolean limitReached() {
        return limitReached;
    }

    synchronized boolean filesExhausted() {
        return filesExhausted;
    }

    /** Writes the section and interface headers. {@code stats} supplies each interface's counters for the ISBs. */
    synchronized void begin(List<InterfaceInfo> interfaces, long maxPackets, Supplier<List<CaptureStats>> stats) {
        this.interfaces = List.copyOf(interfaces);
        this.captured = new long[interfaces.size()];
        this.limit = maxPackets;
        this.stats = stats;
        this.captureStartNanos = now();
        startFile();
    }

    /**
     * Adds interfaces while packets are being written (a pod that started after the capture): their IDBs go into the
     * current file now, before any of their packets (pcapng allows IDBs anywhere in a section), and into every file
     * started later. Their ids continue after the existing ones.
     */
    synchronized void addInterfaces(List<InterfaceInfo> added) {
        var all = new ArrayList<>(interfaces);
        all.addAll(added);
        interfaces = List.copyOf(all);
        captured = java.util.Arrays.copyOf(captured, interfaces.size());
        if (writer == null || failure != null || finished) return;
        try {
            for (var i : added) writer.interfaceDescription(i);
            writer.flush();
            headerEnd = writer.size(); // after a failure the statistics must not overwrite an IDB (see closeFile)
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Appends one packet; returns false once no more packets can be written. */
    synchronized boolean packet(int interfaceId, long timestampNanos, MemorySegment src, long offset, int capLen, int origLen,
                                int flags, int vlanTag, int snaplen) {
        return packetLocked(interfaceId, timestampNanos, src, offset, capLen, origLen, flags, vlanTag, snaplen);
    }

    /** {@link #packet} for a caller that already holds this object's lock (a capture thread writing a whole block). */
    boolean packetLocked(int interfaceId, long timestampNanos, MemorySegment src, long offset, int capLen, int origLen,
                         int flags, int vlanTag, int snaplen) {
        if (failure != null || limitReached || filesExhausted || finished) return false; // finished: a target added as it ended
        if (rotation.on() && rotateDue()) {
            rotate();
            if (failure != null || filesExhausted) return false;
        }
        try {
            writer.packet(interfaceId, timestampNanos, src, offset, capLen, origLen, flags, vlanTag, snaplen);
        } catch (IOException e) {
            fail(e);
            return false;
        }
        captured[interfaceId]++;
        total++;
        if (limit > 0 && total >= limit) {
            limitReached = true;
            return false;
        }
        return true;
    }

    /** Called when the capture threads have nothing to read: pushes buffered packets out (at most every 200 ms), rotates files by time. */
    synchronized void idle() {
        if (writer == null || failure != null || finished) return;
        if (rotation.seconds() > 0 && rotateDue()) rotate();
        if (stdout && readerGone()) {
            fail(new IOException("Broken pipe"));
            return;
        }
        long t = System.nanoTime();
        if (t - lastFlushNanos < FLUSH_NANOS) return; // under load the rings are idle between blocks: not a reason to write
        lastFlushNanos = t;
        try {
            if (writer != null && failure == null) writer.flush();
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Writes the ISBs and closes the file; the output stays readable (files(), failure()). */
    synchronized void finish() {
        if (finished) return;
        finished = true;
        if (writer != null) closeFile();
    }

    @Override
    public void close() {
        finish();
    }

    private boolean rotateDue() {
        if (rotation.maxBytes() > 0 && writer.size() >= rotation.maxBytes()) return true;
        return rotation.seconds() > 0 && now() - fileStartNanos >= rotation.seconds() * 1_000_000_000L;
    }

    private void rotate() {
        closeFile();
        if (failure != null) return;
        fileIndex++;
        if (rotation.files() > 0 && rotation.maxBytes() == 0 && fileIndex >= rotation.files()) {
            filesExhausted = true; // tcpdump -G N -W M: stop after M files
            return;
        }
        try {
            background = openFile(fileName(fileIndex));
        } catch (KscopeException e) {
            failure = new IOException(e.getMessage(), e);
            return;
        }
        startFile();
    }

    private void startFile() {
        fileStartNanos = now();
        try {
            writer = background != null ? new PcapngWriter(background) : new PcapngWriter(stream, BUFFER);
            writer.sectionHeader(null, os, application);
            for (var i : interfaces) writer.interfaceDescription(i);
            writer.flush();
            headerEnd = writer.size();
        } catch (IOException e) {
            fail(e);
        }
    }

    /**
     * Ends the file with the statistics. After a failure the file was cut back to its last whole block; the
     * statistics then overwrite its last packets (as few as needed), as a full disk has no room to append them.
     */
    private void closeFile() {
        if (failure == null) {
            try {
                writeStatistics(writer);
                writer.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
        try {
            if (background != null) background.close();
        } catch (IOException e) {
            if (failure == null) failure = e;
        }
        if (failure != null) salvage();
        try {
            writer.close();
        } catch (IOException ignored) {
            // failed before: salvaged above
        }
        if (failure != null && background != null) {
            try {
                long at = background.cutForTrailer(statistics().remaining(), headerEnd);
                absorbBackgroundLoss();
                if (at >= 0) background.writeTrailer(at, statistics());
            } catch (IOException e) {
                // the file stays valid, only without its statistics
            }
        }
        writer = null;
    }

    /** The interface statistics blocks, on their own. */
    private ByteBuffer statistics() throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var w = new PcapngWriter(java.nio.channels.Channels.newChannel(bytes), 64 << 10)) {
            writeStatistics(w);
        }
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    private void writeStatistics(PcapngWriter w) throws IOException {
        var s = stats.get();
        long t = now();
        for (int i = 0; i < interfaces.size(); i++) {
            var st = i < s.size() ? s.get(i) : CaptureStats.ZERO;
            w.statistics(i, t, captureStartNanos, new CaptureStats(captured[i], st.received(), st.droppedByKernel(),
                    st.droppedByInterface(), st.interfaceReceived()));
        }
    }

    /** A pipe's write end polls as POLLERR once nobody can read it any more. */
    private static boolean readerGone() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var pfd = arena.allocate(8, 4);
            pfd.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 1);
            return Libc.poll(pfd, 1, 0) == 1 && (pfd.get(java.lang.foreign.ValueLayout.JAVA_SHORT, 6) & Libc.POLLERR) != 0;
        }
    }

    /** Takes back the packets counted as captured that the writer's own buffer held when writing failed. */
    private void salvage() {
        if (writer == null) return;
        writer.salvage(id -> {
            captured[id]--;
            total--;
        });
    }

    /** Packets that the background writer lost (or dropped to make room for the statistics): take them back. */
    private void absorbBackgroundLoss() {
        var lost = background.lostPackets();
        for (int i = 0; i < lost.length && i < captured.length; i++) {
            captured[i] -= lost[i];
            total -= lost[i];
        }
    }

    private void fail(IOException e) {
        if (failure == null) failure = e;
        salvage();
    }

    /**
     * Opens the file with O_DIRECT (see {@link BackgroundWriter}) where its file system allows it, else plainly;
     * a FIFO or a device (-w /dev/stdout) is written as a stream.
     */
    private BackgroundWriter openFile(Path p) {
        try {
            FileChannel ch;
            int alignment = 1;
            boolean regular = !Files.exists(p) || Files.isRegularFile(p);
            try {
                if (!regular) throw new IOException("not a regular file");
                ch = FileChannel.open(p, CREATE, WRITE, TRUNCATE_EXISTING, ExtendedOpenOption.DIRECT);
                alignment = (int) Files.getFileStore(p).getBlockSize();
                if (Integer.bitCount(alignment) != 1 || alignment > BackgroundWriter.CHUNK / 8) {
                    ch.close();
                    throw new IOException("unusual block size " + alignment);
                }
            } catch (IOException | UnsupportedOperationException e) { // no O_DIRECT here (e.g. some FUSE file systems)
                alignment = 1;
                ch = FileChannel.open(p, CREATE, WRITE, TRUNCATE_EXISTING);
            }
            written.remove(p);
            written.add(p);
            return new BackgroundWriter(ch, regular ? p : null, alignment, p.getFileName().toString());
        } catch (AccessDeniedException e) {
            throw new KscopeException("cannot write " + p + ": permission denied (choose a writable path, e.g. -w /tmp/capture.pcapng)");
        } catch (NoSuchFileException e) {
            throw new KscopeException("cannot write " + p + ": the directory does not exist (create it or choose another -w path)");
        } catch (java.nio.file.FileSystemException e) {
            throw new KscopeException("cannot write " + p + ": " + e.getReason() + " (choose another -w path)");
        } catch (IOException e) {
            throw new KscopeException("cannot write " + p + ": " + e.getMessage() + " (choose another -w path)");
        }
    }

    /** tcpdump's names, with the number before the extension so Wireshark still recognizes the file. */
    Path fileName(int index) {
        var name = path.getFileName().toString();
        if (rotation.seconds() > 0 && name.contains("%")) name = strftime(name, ZonedDateTime.now());
        if (rotation.on() && (rotation.maxBytes() > 0 || !path.getFileName().toString().contains("%"))) {
            String number;
            if (rotation.files() > 0 && rotation.maxBytes() > 0) {
                int width = String.valueOf(rotation.files() - 1).length();
                number = String.format("%0" + width + "d", index % rotation.files());
            } else {
                number = index == 0 ? "" : String.valueOf(index);
            }
            int dot = name.lastIndexOf('.');
            name = dot > 0 ? name.substring(0, dot) + number + name.substring(dot) : name + number;
        }
        return path.resolveSibling(name);
    }

    static String strftime(String pattern, ZonedDateTime t) {
        var s = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length()) {
                s.append(c);
                continue;
            }
            char f = pattern.charAt(++i);
            switch (f) {
                case 'Y' -> s.append(t.getYear());
                case 'm' -> s.append(String.format("%02d", t.getMonthValue()));
                case 'd' -> s.append(String.format("%02d", t.getDayOfMonth()));
                case 'H' -> s.append(String.format("%02d", t.getHour()));
                case 'M' -> s.append(String.format("%02d", t.getMinute()));
                case 'S' -> s.append(String.format("%02d", t.getSecond()));
                case 's' -> s.append(t.toEpochSecond());
                case '%' -> s.append('%');
                default -> s.append('%').append(f);
            }
        }
        return s.toString();
    }

    private static long now() {
        var i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static String version() {
        var v = PcapngOutput.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
