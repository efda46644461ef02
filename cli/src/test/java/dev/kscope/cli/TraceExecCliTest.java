package dev.kscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The real CLI on the real kernel, in its own JVM. */
@Tag("root")
class TraceExecCliTest {

    @Test
    void jsonEventsForAFailedExecAndASummary() throws Exception {
        var marker = "kscope-cli-test-" + ProcessHandle.current().pid();
        var trigger = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < 50; i++) {
                    Thread.sleep(100);
                    new ProcessBuilder("/bin/sh", "-c", "exec /nonexistent/" + marker).start().waitFor();
                }
            } catch (Exception ignored) {
            }
        });
        var r = KscopeProcess.run("trace", "exec", "-o", "json", "--timeout", "4s");
        trigger.interrupt();
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        var mapper = new ObjectMapper();
        var mine = r.stdout().lines().map(l -> {
            try {
                return mapper.readValue(l, Map.class);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + l, e);
            }
        }).filter(m -> String.valueOf(m.get("args")).contains(marker) && !m.get("ret").equals(0)).toList();
        assertThat(mine).isNotEmpty().allSatisfy(m -> {
            assertThat(m.get("ret")).isEqualTo(-2);
            assertThat(m.get("error")).isEqualTo("ENOENT");
            assertThat(m.get("comm")).isEqualTo("sh");
            assertThat(m.get("args")).isEqualTo(List.of("/nonexistent/" + marker));
        });
        assertThat(r.stderr()).containsPattern("kscope: trace exec: \\d+ events, 0 lost in \\d+\\.\\ds");
    }

    @Test
    void maxEventsStopsAfterN() throws Exception {
        var busy = new ProcessBuilder("/bin/sh", "-c", "while true; do /bin/true; sleep 0.05; done").start();
        try {
            var r = KscopeProcess.run("trace", "exec", "--max-events", "3", "-o", "columns=comm", "--timeout", "30s");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout().lines().toList()).hasSize(4).first().isEqualTo("COMM");
        } finally {
            busy.destroy();
        }
    }

    @Test
    void customColumnsPickPathsOfTheJson() throws Exception {
        var busy = new ProcessBuilder("/bin/sh", "-c", "while true; do /bin/true; sleep 0.05; done").start();
        try {
            var r = KscopeProcess.run("trace", "exec", "--max-events", "3", "-o", "custom-columns=PROG:.args[0],PID:.pid", "--timeout", "30s");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            var lines = r.stdout().lines().toList();
            assertThat(lines).hasSize(4);
            assertThat(lines.getFirst()).matches("PROG +PID");
            assertThat(lines.subList(1, 4)).allSatisfy(l -> assertThat(l).matches("\\S.* +\\d+"));
        } finally {
            busy.destroy();
        }
    }

    @Test
    void sigtermAndSigintEndCleanlyWithASummaryAndNothingLeftAttached() throws Exception {
        for (var signal : List.of("TERM", "INT")) {
            long before = attachedExecPrograms(); // other tracers on this machine (e.g. other test runs)
            var p = KscopeProcess.builder(List.of(), Map.of(), "trace", "exec").start();
            try {
                var firstLine = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
                assertThat(firstLine).contains("TIME", "ARGS"); // the header (K8S.* columns first when containers run here)
                assertThat(attachedExecPrograms()).isGreaterThan(before);
                new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                var err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(err).containsPattern("kscope: trace exec: \\d+ events, 0 lost");
                assertThat(attachedExecPrograms()).as("programs left attached after SIG" + signal).isEqualTo(before);
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void killIntStopsABackgroundJobToo() throws Exception {
        // shells start background jobs with SIGINT ignored; scripts still stop tracers with kill -INT
        var script = String.join(" ", KscopeProcess.builder(List.of(), Map.of(), "trace", "exec").command()
                .stream().map(a -> "'" + a + "'").toList()) + " >/dev/null 2>&1 & echo $!; wait";
        long before = attachedExecPrograms(); // other tracers on this machine (e.g. other test runs)
        var sh = new ProcessBuilder("/bin/sh", "-c", script).start();
        long pid = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(sh.getInputStream())).readLine().trim());
        try {
            for (int i = 0; i < 100 && attachedExecPrograms() <= before; i++) Thread.sleep(100);
            assertThat(attachedExecPrograms()).isGreaterThan(before);
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor();
            assertThat(sh.waitFor(15, TimeUnit.SECONDS)).isTrue();
            assertThat(attachedExecPrograms()).isEqualTo(before);
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // never leave a tracer behind
        }
    }

    /** kscope's exec programs currently loaded in the kernel (bpftool lists them by name). */
    private static long attachedExecPrograms() throws Exception {
        var p = new ProcessBuilder("bpftool", "prog", "show").start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().filter(l -> l.contains(" name enter_execve ")).count();
    }

    @Test
    void notRootIsAOneLineErrorWithTheFix() throws Exception {
        var cp = System.getProperty("java.class.path");
        // the unprivileged user must be able to read the class path (under /root it can't): copy it
        var dir = Files.createTempDirectory("kscope-nonroot");
        var jars = new StringBuilder();
        for (var entry : cp.split(":")) {
            var src = Path.of(entry);
            var dst = dir.resolve(Integer.toHexString(entry.hashCode()) + "-" + src.getFileName());
            new ProcessBuilder("cp", "-r", src.toString(), dst.toString()).start().waitFor();
            jars.append(dst).append(':');
        }
        new ProcessBuilder("chmod", "-R", "a+rX", dir.toString()).start().waitFor();
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", jars.toString(), Kscope.class.getName(), "trace", "exec", "--timeout", "1s")
                .directory(dir.toFile()).start();
        var err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
        assertThat(p.exitValue()).isEqualTo(77);
        assertThat(err).isEqualTo("kscope: cannot load eBPF programs: missing CAP_BPF and CAP_PERFMON (run as root, e.g. sudo kscope …, or grant CAP_BPF,CAP_PERFMON)\n");
    }

    @Test
    void missingBtfIsAOneLineErrorWithTheFix() throws Exception {
        var r = KscopeProcess.run(List.of(), Map.of("KSCOPE_BTF", "/nonexistent/vmlinux"), "trace", "exec", "--timeout", "1s");
        assertThat(r.exitCode()).isEqualTo(78);
        assertThat(r.stderr()).isEqualTo("kscope: kernel BTF not found at /nonexistent/vmlinux: this kernel was built without CONFIG_DEBUG_INFO_BTF "
                + "(use a kernel with BTF, or set KSCOPE_BTF to a BTF file for it)\n");
    }

    @Test
    void unmountedTracefsIsMountedWhenRoot() throws Exception {
        var tracefs = Path.of("/sys/kernel/tracing/events");
        if (Files.isDirectory(tracefs)) {
            assertThat(new ProcessBuilder("umount", "/sys/kernel/tracing").start().waitFor()).isZero();
        }
        assertThat(Files.isDirectory(tracefs)).isFalse();
        var r = KscopeProcess.run("trace", "exec", "--timeout", "1s");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(Files.isDirectory(tracefs)).isTrue();
    }
}
