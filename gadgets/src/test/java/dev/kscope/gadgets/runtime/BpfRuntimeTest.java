package dev.kscope.gadgets.runtime;

import dev.kscope.core.KscopeException;
import dev.kscope.core.bpf.BpfObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The FFM runtime against the real kernel: .rodata, maps, and tracepoint, raw_tp, tp_btf and uprobe attachment. */
@Tag("root")
class BpfRuntimeTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETPPID = LINKER.downcallHandle(LINKER.defaultLookup().find("getppid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private static String libc() {
        for (var p : new String[]{"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6"}) {
            if (java.nio.file.Files.exists(java.nio.file.Path.of(p))) return p;
        }
        throw new AssertionError("libc not found");
    }

    @Test
    void everyAttachTypeFiresAndMapsReadAndWrite() throws Throwable {
        try (var obj = BpfObject.openResource(BpfRuntimeTest.class, "probe.bpf.o")) {
            int self = (int) ProcessHandle.current().pid();
            obj.rodata().set("target_pid", self);
            obj.load();
            obj.attachAll();
            obj.attachUprobe("on_uprobe", false, self, libc(), "getppid");
            assertThat(obj.attachedLinks()).isEqualTo(4);
            for (int i = 0; i < 5; i++) {
                int ppid = (int) GETPPID.invokeExact();
                assertThat(ppid).isPositive();
            }
            var counts = obj.map("counts");
            try (var a = Arena.ofConfined()) {
                var value = a.allocate(ValueLayout.JAVA_LONG);
                for (int slot = 0; slot < 4; slot++) {
                    assertThat(counts.lookup(a.allocateFrom(ValueLayout.JAVA_INT, slot), value)).isTrue();
                    assertThat(value.get(ValueLayout.JAVA_LONG, 0)).as("slot %d (tracepoint, raw_tp, tp_btf, uprobe)", slot).isEqualTo(5);
                }
                var table = obj.map("table");
                table.put(42L, 7);
                var v = a.allocate(ValueLayout.JAVA_INT);
                assertThat(table.lookup(a.allocateFrom(ValueLayout.JAVA_LONG, 42L), v)).isTrue();
                assertThat(v.get(ValueLayout.JAVA_INT, 0)).isEqualTo(7);
                assertThat(table.delete(42L)).isTrue();
                assertThat(table.delete(42L)).isFalse();
                assertThat(table.lookup(a.allocateFrom(ValueLayout.JAVA_LONG, 42L), v)).isFalse();
            }
            obj.detach();
            int ppid = (int) GETPPID.invokeExact();
            assertThat(ppid).isPositive();
        }
    }

    @Test
    void unknownNamesAndAMissingUprobeTargetAreClearErrors() {
        try (var obj = BpfObject.openResource(BpfRuntimeTest.class, "probe.bpf.o")) {
            assertThatThrownBy(() -> obj.map("nope")).isInstanceOf(KscopeException.class).hasMessageContaining("has no map 'nope'");
            assertThatThrownBy(() -> obj.rodata().set("nope", 1)).hasMessageContaining("has no field 'nope'");
            obj.load();
            assertThatThrownBy(() -> obj.attachUprobe("on_uprobe", false, -1, "/nonexistent/lib.so", "f"))
                    .hasMessageStartingWith("cannot attach uprobe on_uprobe to /nonexistent/lib.so:f: ENOENT");
        }
    }
}
