package dev.kscope.core.bpf;

import dev.kscope.core.KscopeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;

/** Reads struct and data-section layouts out of a BPF object's BTF (owned by the object: not freed here). */
public final class Btf {
    private static final int KIND_INT = 1, KIND_ARRAY = 3, KIND_STRUCT = 4, KIND_UNION = 5, KIND_ENUM = 6, KIND_DATASEC = 15;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

    private final MemorySegment btf;

    Btf(MemorySegment btf) {
        this.btf = btf;
    }

    /** The layout of {@code struct name}. */
    public EventLayout struct(String name) {
        int id = findByNameKind(name, KIND_STRUCT);
        var type = typeById(id);
        int vlen = vlen(type);
        boolean bitfields = (info(type) >>> 31) != 0;
        var fields = new LinkedHashMap<String, EventLayout.Field>();
        var members = type.reinterpret(12 + 12L * vlen);
        for (int i = 0; i < vlen; i++) {
            long m = 12 + 12L * i;
            String fieldName = nameAt(members.get(U32, m));
            int fieldType = members.get(U32, m + 4);
            int bitOffset = members.get(U32, m + 8);
            if (bitfields) bitOffset &= 0xffffff;
            fields.put(fieldName, field(fieldName, bitOffset / 8, fieldType));
        }
        return new EventLayout(name, sizeOf(id), fields);
    }

    /** The variables of a data section such as ".rodata", with their offsets in the section. */
    public EventLayout dataSection(String section) {
        int id = findByNameKind(section, KIND_DATASEC);
        var type = typeById(id);
        int vlen = vlen(type);
        var vars = type.reinterpret(12 + 12L * vlen);
        var fields = new LinkedHashMap<String, EventLayout.Field>();
        for (int i = 0; i < vlen; i++) {
            long v = 12 + 12L * i;
            var varType = typeById(vars.get(U32, v));
            String varName = nameAt(varType.get(U32, 0));
            fields.put(varName, field(varName, Integer.toUnsignedLong(vars.get(U32, v + 4)), varType.get(U32, 8)));
        }
        return new EventLayout(section, type.get(U32, 8), fields);
    }

    private EventLayout.Field field(String name, long offset, int typeId) {
        int resolved = call(() -> (int) LibBpf.BTF_RESOLVE_TYPE.invokeExact(btf, typeId));
        var t = typeById(resolved);
        long size = sizeOf(resolved);
        var kind = switch (kind(t)) {
            case KIND_INT -> {
                int encoding = t.reinterpret(16).get(U32, 12) >>> 24;
                yield (encoding & 4) != 0 ? EventLayout.Kind.BOOL : (encoding & 1) != 0 ? EventLayout.Kind.SIGNED : EventLayout.Kind.UNSIGNED;
            }
            case KIND_ENUM -> EventLayout.Kind.SIGNED;
            case KIND_ARRAY -> {
                var array = t.reinterpret(24);
                int elem = call(() -> (int) LibBpf.BTF_RESOLVE_TYPE.invokeExact(btf, array.get(U32, 12)));
                var et = typeById(elem);
                yield kind(et) == KIND_INT && sizeOf(elem) == 1 && (et.reinterpret(16).get(U32, 12) >>> 24 & 2) != 0
                        ? EventLayout.Kind.CHARS : EventLayout.Kind.BYTES;
            }
            case KIND_STRUCT, KIND_UNION -> EventLayout.Kind.OTHER;
            default -> EventLayout.Kind.OTHER;
        };
        return new EventLayout.Field(name, offset, size, kind);
    }

    private int findByNameKind(String name, int kind) {
        try (var arena = Arena.ofConfined()) {
            var cName = arena.allocateFrom(name);
            int id = call(() -> (int) LibBpf.BTF_FIND_BY_NAME_KIND.invokeExact(btf, cName, kind));
            if (id < 0) {
                throw new KscopeException("BPF object mismatch: its BTF has no " + (kind == KIND_DATASEC ? "section " : "struct ") + name
                        + " (rebuild kscope)");
            }
            return id;
        }
    }

    private MemorySegment typeById(int id) {
        var t = call(() -> (MemorySegment) LibBpf.BTF_TYPE_BY_ID.invokeExact(btf, id));
        return t.reinterpret(12);
    }

    private long sizeOf(int id) {
        return call(() -> (long) LibBpf.BTF_RESOLVE_SIZE.invokeExact(btf, id));
    }

    private String nameAt(int offset) {
        return LibBpf.string(call(() -> (MemorySegment) LibBpf.BTF_NAME_BY_OFFSET.invokeExact(btf, offset)));
    }

    private static int info(MemorySegment type) {
        return type.get(U32, 4);
    }

    private static int vlen(MemorySegment type) {
        return info(type) & 0xffff;
    }

    private static int kind(MemorySegment type) {
        return (info(type) >>> 24) & 0x1f;
    }

    interface NativeCall<T> {
        T call() throws Throwable;
    }

    static <T> T call(NativeCall<T> c) {
        try {
            return c.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
