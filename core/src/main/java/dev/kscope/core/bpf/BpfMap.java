package dev.kscope.core.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.kscope.core.bpf.Btf.call;

/** A map of a {@link BpfObject}: sized before load, read and written by key after. */
public final class BpfMap {
    private static final int BPF_MAP_TYPE_PERCPU_HASH = 5, BPF_MAP_TYPE_PERCPU_ARRAY = 6, BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;
    private static final int ENOENT = 2;
    private static final int POSSIBLE_CPUS = possibleCpus();

    private final String name;
    private final MemorySegment map;

    BpfMap(String name, MemorySegment map) {
        this.name = name;
        this.map = map;
    }

    MemorySegment handle() {
        return map;
    }

    public String name() {
        return name;
    }

    public int fd() {
        return call(() -> (int) LibBpf.MAP_FD.invokeExact(map));
    }

    public void setMaxEntries(int maxEntries) {
        int err = call(() -> (int) LibBpf.MAP_SET_MAX_ENTRIES.invokeExact(map, maxEntries));
        if (err < 0) throw BpfException.of("cannot size map " + name, -err);
    }

    public int maxEntries() {
        return call(() -> (int) LibBpf.Rare.MAP_MAX_ENTRIES.invokeExact(map));
    }

    public int keySize() {
        return call(() -> (int) LibBpf.Rare.MAP_KEY_SIZE.invokeExact(map));
    }

    public int valueSize() {
        return call(() -> (int) LibBpf.Rare.MAP_VALUE_SIZE.invokeExact(map));
    }

    private boolean perCpu() {
        int type = call(() -> (int) LibBpf.MAP_TYPE.invokeExact(map));
        return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
    }

    public void update(MemorySegment key, MemorySegment value) {
        try (var a = Arena.ofConfined()) {
            var state = a.allocate(LibBpf.CALL_STATE);
            int fd = fd();
            int err = call(() -> (int) LibBpf.MAP_UPDATE_ELEM.invokeExact(state, fd, key, value, 0L));
            if (err < 0) throw BpfException.of("cannot update map " + name, LibBpf.errno(state));
        }
    }

    /** Deletes a key; false if it was not there. */
    public boolean delete(MemorySegment key) {
        try (var a = Arena.ofConfined()) {
            var state = a.allocate(LibBpf.CALL_STATE);
            int fd = fd();
            int err = call(() -> (int) LibBpf.Rare.MAP_DELETE_ELEM.invokeExact(state, fd, key));
            if (err < 0 && LibBpf.errno(state) != ENOENT) throw BpfException.of("cannot delete from map " + name, LibBpf.errno(state));
            return err == 0;
        }
    }

    /** Looks a key up into {@code value} (for per-CPU maps: one 8-byte-aligned slot per possible CPU); false if absent. */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        try (var a = Arena.ofConfined()) {
            var state = a.allocate(LibBpf.CALL_STATE);
            int fd = fd();
            int err = call(() -> (int) LibBpf.MAP_LOOKUP_ELEM.invokeExact(state, fd, key, value));
            if (err < 0 && LibBpf.errno(state) != ENOENT) throw BpfException.of("cannot read map " + name, LibBpf.errno(state));
            return err == 0;
        }
    }

    public void put(long key, int value) {
        try (var a = Arena.ofConfined()) {
            update(a.allocateFrom(ValueLayout.JAVA_LONG, key), a.allocateFrom(ValueLayout.JAVA_INT, value));
        }
    }

    public boolean delete(long key) {
        try (var a = Arena.ofConfined()) {
            return delete(a.allocateFrom(ValueLayout.JAVA_LONG, key));
        }
    }

    /** The sum over all CPUs of a per-CPU u64 counter at array index {@code index}. */
    public long sumPerCpuCounter(int index) {
        if (!perCpu()) throw new IllegalStateException(name + " is not a per-CPU map");
        try (var a = Arena.ofConfined()) {
            var value = a.allocate(8L * POSSIBLE_CPUS, 8);
            if (!lookup(a.allocateFrom(ValueLayout.JAVA_INT, index), value)) return 0;
            long sum = 0;
            for (int cpu = 0; cpu < POSSIBLE_CPUS; cpu++) sum += value.getAtIndex(ValueLayout.JAVA_LONG, cpu);
            return sum;
        }
    }

    private static int possibleCpus() {
        try {
            // "0-1" or "0,2-5": the highest CPU number + 1, as libbpf_num_possible_cpus() computes it
            var s = java.nio.file.Files.readString(java.nio.file.Path.of("/sys/devices/system/cpu/possible")).trim();
            int max = 0;
            for (var part : s.split(",")) {
                var r = part.split("-");
                max = Math.max(max, Integer.parseInt(r[r.length - 1]));
            }
            return max + 1;
        } catch (java.io.IOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }
}
