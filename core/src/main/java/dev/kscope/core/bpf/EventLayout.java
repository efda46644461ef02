package dev.kscope.core.bpf;

import dev.kscope.core.KscopeException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The byte layout of a C struct as the BPF object's BTF describes it: the kernel/user contract is written once,
 * in the gadget's header, and Java looks fields up by name (once, at start) instead of keeping offsets by hand.
 */
public final class EventLayout {
    public enum Kind { SIGNED, UNSIGNED, BOOL, CHARS, BYTES, OTHER }

    public record Field(String name, long offset, long size, Kind kind) {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

        /** The field as a Java long: sign-extended for signed integers, zero-extended for unsigned ones. */
        public long getLong(MemorySegment s) {
            return switch ((int) size) {
                case 1 -> kind == Kind.SIGNED ? s.get(ValueLayout.JAVA_BYTE, offset) : Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, offset));
                case 2 -> kind == Kind.SIGNED ? s.get(I16, offset) : Short.toUnsignedLong(s.get(I16, offset));
                case 4 -> kind == Kind.SIGNED ? s.get(I32, offset) : Integer.toUnsignedLong(s.get(I32, offset));
                case 8 -> s.get(I64, offset);
                default -> throw new IllegalStateException(name + " is not an integer (" + size + " bytes)");
            };
        }

        public int getInt(MemorySegment s) {
            return (int) getLong(s);
        }

        public boolean getBool(MemorySegment s) {
            return getLong(s) != 0;
        }

        /** A char array up to its first NUL (or its end), as UTF-8 with invalid bytes replaced. */
        public String getString(MemorySegment s) {
            long end = Math.min(offset + size, s.byteSize());
            long n = 0;
            while (offset + n < end && s.get(ValueLayout.JAVA_BYTE, offset + n) != 0) n++;
            return new String(s.asSlice(offset, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }

        /** The field's bytes, clipped to what the record really holds (variable-length tails). */
        public MemorySegment slice(MemorySegment s) {
            return s.asSlice(offset, Math.max(0, Math.min(size, s.byteSize() - offset)));
        }

        public void set(MemorySegment s, long value) {
            switch ((int) size) {
                case 1 -> s.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
                case 2 -> s.set(I16, offset, (short) value);
                case 4 -> s.set(I32, offset, (int) value);
                case 8 -> s.set(I64, offset, value);
                default -> throw new IllegalStateException(name + " is not an integer (" + size + " bytes)");
            }
        }
    }

    private final String name;
    private final long size;
    private final Map<String, Field> fields;

    EventLayout(String name, long size, Map<String, Field> fields) {
        this.name = name;
        this.size = size;
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public String name() {
        return name;
    }

    public long size() {
        return size;
    }

    public Map<String, Field> fields() {
        return fields;
    }

    public Field field(String fieldName) {
        var f = fields.get(fieldName);
        if (f == null) {
            throw new KscopeException("BPF object mismatch: " + name + " has no field '" + fieldName + "' (rebuild kscope: the .bpf.o and the Java side disagree)");
        }
        return f;
    }
}
