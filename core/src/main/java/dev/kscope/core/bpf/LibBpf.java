package dev.kscope.core.bpf;

import dev.kscope.core.KscopeException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libbpf 1.x functions kscope calls, bound through FFM to the system's libbpf.so.1.
 * libbpf 1.x reports failure as NULL (pointer results) or a negative errno (int results), and sets errno in both
 * cases; calls whose errno matters capture it through {@link #ERRNO}.
 */
final class LibBpf {
    private LibBpf() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final SymbolLookup LIB = load();

    private static SymbolLookup load() {
        try {
            return SymbolLookup.libraryLookup("libbpf.so.1", Arena.global()).or(LINKER.defaultLookup());
        } catch (IllegalArgumentException e) {
            throw new KscopeException("cannot load libbpf.so.1: not installed (apt-get install libbpf1)", e);
        }
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LIB.find(name).orElseThrow(
                () -> new KscopeException("libbpf.so.1 lacks " + name + ": libbpf is too old (kscope needs libbpf >= 1.0)")), d);
    }

    /** Bound with errno capture: the first argument is a segment of {@link #CALL_STATE}. */
    private static MethodHandle fnErrno(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LIB.find(name).orElseThrow(), d, ERRNO);
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO_HANDLE.get(callState, 0L);
    }

    // objects
    static final MethodHandle OBJECT_OPEN_MEM = fnErrno("bpf_object__open_mem", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static final MethodHandle OBJECT_LOAD = fn("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle OBJECT_CLOSE = fn("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle OBJECT_BTF = fn("bpf_object__btf", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle OBJECT_FIND_MAP = fn("bpf_object__find_map_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle OBJECT_NEXT_PROGRAM = fn("bpf_object__next_program", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));

    // programs and links
    static final MethodHandle PROGRAM_NAME = fn("bpf_program__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_SECTION = fn("bpf_program__section_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_AUTOLOAD = fn("bpf_program__autoload", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
    static final MethodHandle PROGRAM_ATTACH = fnErrno("bpf_program__attach", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle LINK_DESTROY = fn("bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    // maps
    static final MethodHandle MAP_FD = fn("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_SET_MAX_ENTRIES = fn("bpf_map__set_max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle MAP_TYPE = fn("bpf_map__type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_INITIAL_VALUE = fn("bpf_map__initial_value", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle MAP_UPDATE_ELEM = fnErrno("bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    static final MethodHandle MAP_LOOKUP_ELEM = fnErrno("bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    /** Calls no gadget makes on its way to the first event: linked (a stub class each) only on first use. */
    static final class Rare {
        private Rare() {}

        static final MethodHandle OBJECT_NEXT_MAP = fn("bpf_object__next_map", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle PROGRAM_SET_AUTOLOAD = fn("bpf_program__set_autoload", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BOOLEAN));
        static final MethodHandle PROGRAM_ATTACH_UPROBE_OPTS = fnErrno("bpf_program__attach_uprobe_opts",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        /** struct bpf_uprobe_opts (libbpf >= 0.8): sz, ref_ctr_offset, bpf_cookie, retprobe, func_name. */
        static final StructLayout UPROBE_OPTS = MemoryLayout.structLayout(JAVA_LONG.withName("sz"), JAVA_LONG.withName("ref_ctr_offset"),
                JAVA_LONG.withName("bpf_cookie"), JAVA_BOOLEAN.withName("retprobe"), MemoryLayout.paddingLayout(7),
                ADDRESS.withName("func_name"), JAVA_LONG.withName("attach_mode_and_padding"));
        static final MethodHandle PROGRAM_FD = fn("bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MAP_NAME = fn("bpf_map__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle MAP_MAX_ENTRIES = fn("bpf_map__max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MAP_KEY_SIZE = fn("bpf_map__key_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MAP_VALUE_SIZE = fn("bpf_map__value_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MAP_DELETE_ELEM = fnErrno("bpf_map_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle MAP_GET_NEXT_KEY = fnErrno("bpf_map_get_next_key", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    // ring buffers
    static final FunctionDescriptor SAMPLE_FN = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
    static final MethodHandle RING_BUFFER_NEW = fnErrno("ring_buffer__new", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle RING_BUFFER_POLL = fn("ring_buffer__poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RING_BUFFER_CONSUME = fn("ring_buffer__consume", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle RING_BUFFER_FREE = fn("ring_buffer__free", FunctionDescriptor.ofVoid(ADDRESS));

    // BTF
    static final MethodHandle BTF_FIND_BY_NAME_KIND = fn("btf__find_by_name_kind", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle BTF_TYPE_BY_ID = fn("btf__type_by_id", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle BTF_NAME_BY_OFFSET = fn("btf__name_by_offset", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle BTF_RESOLVE_SIZE = fn("btf__resolve_size", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
    static final MethodHandle BTF_RESOLVE_TYPE = fn("btf__resolve_type", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    // logging: libbpf hands a printf format and a va_list; vsnprintf from libc formats it
    static final MethodHandle SET_PRINT = fn("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final FunctionDescriptor PRINT_FN = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle VSNPRINTF = LINKER.downcallHandle(LINKER.defaultLookup().find("vsnprintf").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));

    static MemorySegment upcall(MethodHandle bound, FunctionDescriptor d, Arena arena) {
        return LINKER.upcallStub(bound, d, arena);
    }

    static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? null : cString.reinterpret(Long.MAX_VALUE).getString(0);
    }

    static final ValueLayout.OfLong SIZE_T = JAVA_LONG;
}
