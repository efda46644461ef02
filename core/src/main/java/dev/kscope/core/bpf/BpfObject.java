package dev.kscope.core.bpf;

import dev.kscope.core.KscopeException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static dev.kscope.core.bpf.Btf.call;

/**
 * A BPF object (one compiled .bpf.o) through its life: open from memory, configure (.rodata, map sizes), load,
 * attach, close. Closing destroys every link and frees the object, so the kernel side goes away with it.
 */
public final class BpfObject implements AutoCloseable {
    private final String name;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment obj;
    private final List<MemorySegment> links = new ArrayList<>();
    private boolean loaded;
    private boolean closed;

    private BpfObject(String name, MemorySegment obj) {
        this.name = name;
        this.obj = obj;
    }

    /** Opens an object from a classpath resource, e.g. {@code dev/kscope/gadgets/trace/exec/exec.bpf.o}. */
    public static BpfObject openResource(Class<?> anchor, String resource) {
        try (var in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new KscopeException("BPF object " + resource + " is missing from the jar (rebuild kscope with clang installed)");
            }
            return open(resource.substring(resource.lastIndexOf('/') + 1), in.readAllBytes());
        } catch (IOException e) {
            throw new KscopeException("cannot read BPF object " + resource + ": " + e.getMessage(), e);
        }
    }

    public static BpfObject open(String name, byte[] elf) {
        Environment.requireBpf();
        LibBpfLog.install();
        var arena = Arena.ofConfined();
        try (arena) {
            // libbpf keeps no reference to the buffer after open: a confined copy is enough.
            var buf = arena.allocate(elf.length, 8);
            buf.copyFrom(MemorySegment.ofArray(elf));
            var state = arena.allocate(LibBpf.CALL_STATE);
            var obj = call(() -> (MemorySegment) LibBpf.OBJECT_OPEN_MEM.invokeExact(state, buf, (long) elf.length, MemorySegment.NULL));
            if (obj.equals(MemorySegment.NULL)) {
                throw BpfException.of("cannot open BPF object " + name, LibBpf.errno(state));
            }
            return new BpfObject(name, obj);
        }
    }

    public String name() {
        return name;
    }

    /** The object's BTF: struct layouts shared with the kernel side. */
    public Btf btf() {
        var btf = call(() -> (MemorySegment) LibBpf.OBJECT_BTF.invokeExact(obj));
        if (btf.equals(MemorySegment.NULL)) throw new KscopeException("BPF object " + name + " has no BTF (build it with clang -g)");
        return new Btf(btf);
    }

    public BpfMap map(String mapName) {
        try (var a = Arena.ofConfined()) {
            var cName = a.allocateFrom(mapName);
            var map = call(() -> (MemorySegment) LibBpf.OBJECT_FIND_MAP.invokeExact(obj, cName));
            if (map.equals(MemorySegment.NULL)) {
                throw new KscopeException("BPF object mismatch: " + name + " has no map '" + mapName + "' (rebuild kscope)");
            }
            return new BpfMap(mapName, map);
        }
    }

    /**
     * The read-only configuration of the programs (`const volatile` globals), to be set before {@link #load()}.
     * Values are written into libbpf's copy of .rodata, which the kernel freezes at load.
     */
    public Config rodata() {
        if (loaded) throw new IllegalStateException(".rodata is frozen once the object is loaded");
        var map = map(".rodata");
        try (var a = Arena.ofConfined()) {
            var size = a.allocate(ValueLayout.JAVA_LONG);
            var data = call(() -> (MemorySegment) LibBpf.MAP_INITIAL_VALUE.invokeExact(map.handle(), size));
            return new Config(data.reinterpret(size.get(ValueLayout.JAVA_LONG, 0)), btf().dataSection(".rodata"));
        }
    }

    public record Config(MemorySegment data, EventLayout layout) {
        public Config set(String variable, long value) {
            layout.field(variable).set(data, value);
            return this;
        }

        public Config set(String variable, boolean value) {
            return set(variable, value ? 1 : 0);
        }
    }

    public List<String> programNames() {
        var names = new ArrayList<String>();
        for (var p = nextProgram(MemorySegment.NULL); !p.equals(MemorySegment.NULL); p = nextProgram(p)) {
            var prog = p;
            names.add(LibBpf.string(call(() -> (MemorySegment) LibBpf.PROGRAM_NAME.invokeExact(prog))));
        }
        return names;
    }

    private MemorySegment nextProgram(MemorySegment prev) {
        return call(() -> (MemorySegment) LibBpf.OBJECT_NEXT_PROGRAM.invokeExact(obj, prev));
    }

    /** Verifies and loads every program and creates the maps. */
    public void load() {
        Environment.ensureTracefs();
        LibBpfLog.clear();
        int err = call(() -> (int) LibBpf.OBJECT_LOAD.invokeExact(obj));
        if (err < 0) {
            throw new BpfException("cannot load BPF program " + name, -err, Errno.hint(-err) == null
                    ? "the kernel rejected it; run with --debug to see the verifier log" : Errno.hint(-err), LibBpfLog.lastLines(40));
        }
        loaded = true;
    }

    /** Attaches every loaded program by its section name (tracepoint/…, raw_tp/…, tp_btf/…). */
    public void attachAll() {
        for (var p = nextProgram(MemorySegment.NULL); !p.equals(MemorySegment.NULL); p = nextProgram(p)) {
            var prog = p;
            if (!call(() -> (boolean) LibBpf.PROGRAM_AUTOLOAD.invokeExact(prog))) continue;
            var section = LibBpf.string(call(() -> (MemorySegment) LibBpf.PROGRAM_SECTION.invokeExact(prog)));
            if (section.startsWith("uprobe") || section.startsWith("uretprobe")) continue; // attached explicitly, per binary
            try (var a = Arena.ofConfined()) {
                var state = a.allocate(LibBpf.CALL_STATE);
                var link = call(() -> (MemorySegment) LibBpf.PROGRAM_ATTACH.invokeExact(state, prog));
                if (link.equals(MemorySegment.NULL)) {
                    throw BpfException.of("cannot attach " + section, LibBpf.errno(state));
                }
                links.add(link);
            }
        }
    }

    /**
     * Attaches a uprobe (or uretprobe) program to a function of a binary or library, by symbol name (libbpf finds
     * it in .symtab or .dynsym), for one process or all ({@code pid} -1).
     */
    public void attachUprobe(String program, boolean retprobe, int pid, String binaryPath, String function) {
        try (var a = Arena.ofConfined()) {
            var prog = findProgram(program, a);
            var state = a.allocate(LibBpf.CALL_STATE);
            var opts = a.allocate(LibBpf.Rare.UPROBE_OPTS);
            opts.set(ValueLayout.JAVA_LONG, 0, LibBpf.Rare.UPROBE_OPTS.byteSize());
            opts.set(ValueLayout.JAVA_BOOLEAN, 24, retprobe);
            opts.set(ValueLayout.ADDRESS, 32, a.allocateFrom(function));
            var path = a.allocateFrom(binaryPath);
            var link = call(() -> (MemorySegment) LibBpf.Rare.PROGRAM_ATTACH_UPROBE_OPTS.invokeExact(state, prog, pid, path, 0L, opts));
            if (link.equals(MemorySegment.NULL)) {
                int errno = LibBpf.errno(state);
                throw new BpfException("cannot attach " + (retprobe ? "uretprobe " : "uprobe ") + program + " to " + binaryPath + ":" + function, errno,
                        errno == 2 ? "check that the file exists and has the symbol" : Errno.hint(errno));
            }
            links.add(link);
        }
    }

    /** Keeps a program from loading (e.g. an optional hook the kernel lacks). Before {@link #load()}. */
    public void setAutoload(String program, boolean autoload) {
        try (var a = Arena.ofConfined()) {
            var prog = findProgram(program, a);
            call(() -> (int) LibBpf.Rare.PROGRAM_SET_AUTOLOAD.invokeExact(prog, autoload));
        }
    }

    private MemorySegment findProgram(String program, Arena a) {
        for (var p = nextProgram(MemorySegment.NULL); !p.equals(MemorySegment.NULL); p = nextProgram(p)) {
            var prog = p;
            if (program.equals(LibBpf.string(call(() -> (MemorySegment) LibBpf.PROGRAM_NAME.invokeExact(prog))))) return prog;
        }
        throw new KscopeException("BPF object mismatch: " + name + " has no program '" + program + "' (rebuild kscope)");
    }

    public int attachedLinks() {
        return links.size();
    }

    /** Detaches every program: no new events; maps stay readable until {@link #close()}. */
    public synchronized void detach() {
        for (var link : links) {
            call(() -> (int) LibBpf.LINK_DESTROY.invokeExact(link));
        }
        links.clear();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        detach();
        call(() -> {
            LibBpf.OBJECT_CLOSE.invokeExact(obj);
            return null;
        });
        arena.close();
    }
}
