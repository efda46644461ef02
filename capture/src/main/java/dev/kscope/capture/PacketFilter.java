package dev.kscope.capture;

import dev.kscope.core.KscopeException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * A tcpdump filter expression compiled to classic BPF by libpcap ({@code pcap_open_dead} + {@code pcap_compile}),
 * ready to be attached to a socket with SO_ATTACH_FILTER. Accepted packets are cut to the snap length by the
 * program's own {@code ret #snaplen}, so the kernel copies no more than needed.
 *
 * @param expression   the tcpdump expression ("" accepts every packet)
 * @param instructions struct sock_filter[]: 8 bytes each (u16 code, u8 jt, u8 jf, u32 k), native byte order
 */
public record PacketFilter(String expression, int dlt, int snaplen, byte[] instructions) {

    /** libpcap's DLT_ values (what pcap_open_dead takes); the pcapng link type can differ (DLT_RAW 12 is LINKTYPE_RAW 101). */
    public static final int DLT_EN10MB = 1, DLT_RAW = 12;

    private static final Object LOCK = new Object(); // older libpcaps' compiler is not reentrant
    private static MethodHandle openDead, compile, geterr, freecode, close;

    public int length() {
        return instructions.length / 8;
    }

    /** The program in tcpdump -dd's format: one {@code { code, jt, jf, k },} per line. */
    public String dump() {
        var s = new StringBuilder();
        var seg = MemorySegment.ofArray(instructions);
        for (int i = 0; i < length(); i++) {
            s.append(String.format("{ 0x%x, %d, %d, 0x%08x },%n", seg.get(JAVA_SHORT_UNALIGNED, i * 8L) & 0xffff,
                    seg.get(JAVA_BYTE, i * 8L + 2) & 0xff, seg.get(JAVA_BYTE, i * 8L + 3) & 0xff, seg.get(JAVA_INT_UNALIGNED, i * 8L + 4)));
        }
        return s.toString();
    }

    /** Compiles {@code expression} for packets of link type {@code dlt}; an invalid expression throws a KscopeException naming where it fails. */
    public static PacketFilter compile(String expression, int dlt, int snaplen) {
        var expr = expression == null ? "" : expression.strip();
        var error = tryCompile(expr, dlt, snaplen);
        if (error instanceof PacketFilter f) return f;
        throw new KscopeException("invalid filter \"" + expr + "\": " + error + where(expr, (String) error, dlt, snaplen)
                + " (fix the expression; syntax: man 7 pcap-filter, e.g. 'tcp port 80 and host 10.0.0.5')");
    }

    /** Returns the compiled filter or libpcap's error message. */
    private static Object tryCompile(String expr, int dlt, int snaplen) {
        bind();
        synchronized (LOCK) {
            try (var arena = Arena.ofConfined()) {
                var pcap = (MemorySegment) openDead.invokeExact(dlt, snaplen);
                if (pcap.equals(MemorySegment.NULL)) throw new KscopeException("cannot compile filter: pcap_open_dead failed (out of memory?)");
                try {
                    var program = arena.allocate(16); // struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; }
                    int rc = (int) compile.invokeExact(pcap, program, arena.allocateFrom(expr), 1, 0xffffffff);
                    if (rc != 0) {
                        return ((MemorySegment) geterr.invokeExact(pcap)).reinterpret(1024).getString(0);
                    }
                    int len = program.get(JAVA_INT, 0);
                    var insns = program.get(ADDRESS, 8).reinterpret(len * 8L).toArray(JAVA_BYTE);
                    freecode.invokeExact(program);
                    return new PacketFilter(expr, dlt, snaplen, insns);
                } finally {
                    close.invokeExact(pcap);
                }
            } catch (KscopeException e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }

    private static final Pattern QUOTED = Pattern.compile("['\"]([^'\"]+)['\"]");
    private static final Pattern NUMBER = Pattern.compile("\\b(\\d+)\\b");
    private static final String[] OPERANDS = {"", " 80", " 10.0.0.1", " tcp", " 0 ] = 0", " ] = 0", " = 0"};
    private static final String[] CLOSERS = {"", " )", " ) )", " ) ) )"};

    /**
     * libpcap names the cause but not the place. For names and numbers it quotes, we look them up in the expression;
     * for syntax errors we find the first word after which no continuation of the expression can compile.
     */
    static String where(String expr, String error, int dlt, int snaplen) {
        var quoted = QUOTED.matcher(error);
        if (quoted.find() && expr.contains(quoted.group(1))) return " at character " + (expr.indexOf(quoted.group(1)) + 1);
        if (!error.contains("syntax error")) {
            var number = NUMBER.matcher(error);
            while (number.find()) {
                var m = Pattern.compile("\\b" + number.group(1) + "\\b").matcher(expr);
                if (m.find()) return " at \"" + number.group(1) + "\", character " + (m.start() + 1);
            }
            return "";
        }
        var words = new ArrayList<int[]>(); // [start, end) of each word; parentheses are words of their own
        var wm = Pattern.compile("[()]|[^\\s()]+").matcher(expr);
        while (wm.find()) words.add(new int[]{wm.start(), wm.end()});
        for (var w : words) {
            if (!viable(expr.substring(0, w[1]), dlt, snaplen)) {
                return " at \"" + expr.substring(w[0], w[1]) + "\", character " + (w[0] + 1);
            }
        }
        return " at the end: the expression is incomplete";
    }

    private static boolean viable(String prefix, int dlt, int snaplen) {
        for (var operand : OPERANDS) {
            for (var closer : CLOSERS) {
                var r = tryCompile(prefix + operand + closer, dlt, snaplen);
                if (r instanceof PacketFilter || !((String) r).contains("syntax error")) return true; // e.g. "rejects all packets" parses
            }
        }
        return false;
    }

    private static synchronized void bind() {
        if (compile != null) return;
        var linker = Linker.nativeLinker();
        SymbolLookup lib = null;
        for (var name : List.of("libpcap.so.0.8", "libpcap.so.1", "libpcap.so")) {
            try {
                lib = SymbolLookup.libraryLookup(name, Arena.global());
                break;
            } catch (IllegalArgumentException notFound) {
                // try the next soname
            }
        }
        if (lib == null) throw new KscopeException("cannot compile the filter: libpcap is not installed (apt-get install libpcap0.8)");
        openDead = linker.downcallHandle(lib.find("pcap_open_dead").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT));
        geterr = linker.downcallHandle(lib.find("pcap_geterr").orElseThrow(), FunctionDescriptor.of(ADDRESS, ADDRESS));
        freecode = linker.downcallHandle(lib.find("pcap_freecode").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
        close = linker.downcallHandle(lib.find("pcap_close").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
        compile = linker.downcallHandle(lib.find("pcap_compile").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT));
    }

    /** struct sock_fprog for SO_ATTACH_FILTER, allocated in {@code arena}. */
    MemorySegment toSockFprog(Arena arena) {
        var insns = arena.allocate(instructions.length, 8);
        insns.copyFrom(MemorySegment.ofArray(instructions));
        var prog = arena.allocate(16, 8);
        prog.set(JAVA_SHORT, 0, (short) length());
        prog.set(ADDRESS, 8, insns);
        return prog;
    }
}
