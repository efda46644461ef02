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
        public long getLong(Record r) {
            if (size != 1 && size != 2 && size != 4 && size != 8) throw new IllegalStateException(name + " is not an integer (" + size + " bytes)");
            long v = r.le(offset, (int) size);
            if (kind == Kind.SIGNED && size < 8) {
                int shift = 64 - 8 * (int) size;
                v = (v << shift) >> shift;
            }
            return v;
        }

        public int getInt(Record r) {
            return (int) getLong(r);
        }

        public boolean getBool(Record r) {
            return getLong(r) != 0;
        }

        /** A char array up to its first NUL (or its end, or the record's), as UTF-8 with invalid bytes replaced. */
        public String getString(Record r) {
            int from = (int) offset, end = (int) Math.min(offset + size, r.length());
            var b = r.bytes();
            int n = from;
            while (n < end && b[n] != 0) n++;
            return n <= from ? "" : new String(b, from, n - from, StandardCharsets.UTF_8);
        }

        /** How many of the field's bytes the record really holds (variable-length tails are cut at their real size). */
        public int available(Record r) {
            return (int) Math.max(0, Math.min(size, r.length() - offset));
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
