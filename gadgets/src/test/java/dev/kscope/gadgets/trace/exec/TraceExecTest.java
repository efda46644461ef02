package dev.kscope.gadgets.trace.exec;

import dev.kscope.core.gadget.GadgetOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** trace exec on the real kernel: exact events for known processes, and lost-event accounting. */
@Tag("root")
class TraceExecTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Runs a command while tracing and returns the events of the processes with these pids. */
    private static List<ExecEvent> traceWhile(ProcessBuilder pb, Predicate<ExecEvent> wanted, int expected) throws Exception {
        var events = new ConcurrentLinkedQueue<ExecEvent>();
        try (var exec = new TraceExec(GadgetOptions.defaults())) {
            var seen = new CountDownLatch(expected);
            var pids = new java.util.concurrent.CopyOnWriteArraySet<Integer>();
            var pending = new ConcurrentLinkedQueue<ExecEvent>();
            exec.onEvent(e -> {
                pending.add(e);
            });
            exec.start();
            var p = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            pids.add((int) p.pid());
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ExecEvent e; (e = pending.poll()) != null; ) {
                    if (pids.contains(e.pid()) && wanted.test(e)) {
                        events.add(e);
                        seen.countDown();
                    }
                }
                if (seen.getCount() == 0) break;
                Thread.sleep(20);
            }
            Thread.sleep(100); // anything beyond the expected events would show up now
            for (ExecEvent e; (e = pending.poll()) != null; ) if (pids.contains(e.pid()) && wanted.test(e)) events.add(e);
        }
        return new ArrayList<>(events);
    }

    @Test
    void successfulExecWithUnicodeEmptyAndSpacedArguments() throws Exception {
        var argv = List.of("/bin/echo", "hello world", "", "ünïcödé ✓", "--flag=a'b\"c");
        var events = traceWhile(new ProcessBuilder(argv), e -> e.comm().equals("echo"), 1);
        assertThat(events).hasSize(1);
        var e = events.getFirst();
        assertThat(e.args()).isEqualTo(argv);
        assertThat(e.retval()).isZero();
        assertThat(e.argsTruncated()).isFalse();
        assertThat(e.uid()).isZero();
        assertThat(e.ppid()).isEqualTo((int) ProcessHandle.current().pid());
        assertThat(e.mntnsId()).isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString().replaceAll("\\D", "").transform(Long::parseLong));
        assertThat(e.timestamp()).isBetween(java.time.Instant.now().minusSeconds(20), java.time.Instant.now());
        assertThat(TraceExec.argsText(e)).isEqualTo("/bin/echo 'hello world' '' 'ünïcödé ✓' '--flag=a'\\''b\"c'");
    }

    @Test
    void failedExecReportsEnoentWithTheCallersArgv() throws Exception {
        var events = traceWhile(new ProcessBuilder("/bin/sh", "-c", "exec /nonexistent/kscope-test arg1 'arg 2'"),
                e -> e.retval() != 0, 1);
        assertThat(events).hasSize(1);
        var e = events.getFirst();
        assertThat(e.retval()).isEqualTo(-2);
        assertThat(e.args()).containsExactly("/nonexistent/kscope-test", "arg1", "arg 2");
        assertThat(e.comm()).isEqualTo("sh");
    }

    @Test
    void permissionDeniedIsEacces() throws Exception {
        var script = Files.createTempFile("kscope-noexec", ".sh");
        try {
            Files.writeString(script, "#!/bin/sh\n");
            var events = traceWhile(new ProcessBuilder("/bin/sh", "-c", "exec " + script + " x"), e -> e.retval() != 0, 1);
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.retval()).isEqualTo(-13);
                assertThat(e.args()).containsExactly(script.toString(), "x");
            });
        } finally {
            Files.delete(script);
        }
    }

    @Test
    void longArgvIsCutAtTheDocumentedLimitAndMarked() throws Exception {
        var argv = new ArrayList<String>();
        argv.add("/bin/true");
        for (int i = 0; i < 300; i++) argv.add("argument-%04d-%s".formatted(i, "x".repeat(20)));
        var events = traceWhile(new ProcessBuilder(argv), e -> e.comm().equals("true"), 1);
        var e = events.getFirst();
        assertThat(e.argsTruncated()).isTrue();
        int total = e.args().stream().mapToInt(a -> a.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1).sum();
        assertThat(total).isBetween(8192 - 40, 8192 + 1);
        var complete = e.args().subList(0, e.args().size() - 1);
        assertThat(complete).isEqualTo(argv.subList(0, complete.size()));
        assertThat(argv.get(complete.size())).startsWith(e.args().getLast());
    }

    @Test
    void failedExecWithManyArgumentsIsCutAtTheDocumentedLimit() throws Exception {
        var args = new StringBuilder("exec /nonexistent/x");
        for (int i = 0; i < 200; i++) args.append(" a").append(i);
        var events = traceWhile(new ProcessBuilder("/bin/sh", "-c", args.toString()), e -> e.retval() != 0, 1);
        var e = events.getFirst();
        assertThat(e.args()).hasSize(128);
        assertThat(e.args().get(1)).isEqualTo("a0");
        assertThat(e.args().get(127)).isEqualTo("a126");
        assertThat(e.argsTruncated()).isTrue();
    }

    /**
     * A 4 KiB ring and a stalled reader: the kernel side must count every event it cannot deliver, so that
     * delivered + lost is exactly what ran. The generator runs in a mount namespace of its own, and only that
     * namespace is traced, so other activity on the node doesn't count.
     */
    @Test
    void everyEventIsDeliveredOrCountedLost() throws Exception {
        int execs = 300;
        var generator = new ProcessBuilder("unshare", "-m", "/bin/sh", "-c",
                "read go; i=0; while [ $i -lt " + execs + " ]; do /bin/true; i=$((i+1)); done")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long mntns = awaitOwnMountNamespace(generator.pid());
        var release = new CountDownLatch(1);
        var delivered = new AtomicLong();
        var lost = new AtomicLong();
        try (var exec = new TraceExec(GadgetOptions.defaults().withRingBufferBytes(4096).withMntnsFilter(Set.of(mntns)))) {
            exec.onEvent(e -> {
                awaitQuietly(release);
                if (e.comm().equals("true")) delivered.incrementAndGet();
            });
            exec.onLost(lost::addAndGet);
            exec.start();
            try (var stdin = generator.getOutputStream()) {
                stdin.write('\n');
            }
            assertThat(generator.waitFor(30, TimeUnit.SECONDS)).isTrue();
            release.countDown();
            exec.stop();
            assertThat(exec.lostEvents()).isEqualTo(lost.get());
        }
        assertThat(lost.get()).as("the 4 KiB ring must overflow").isPositive();
        assertThat(delivered.get() + lost.get()).isEqualTo(execs);
    }

    @Test
    void theMountNamespaceFilterKeepsOtherNamespacesOut() throws Exception {
        var generator = new ProcessBuilder("unshare", "-m", "/bin/sh", "-c", "read go; /bin/true; /bin/true")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long mntns = awaitOwnMountNamespace(generator.pid());
        var events = new ConcurrentLinkedQueue<ExecEvent>();
        try (var exec = new TraceExec(GadgetOptions.defaults().withMntnsFilter(Set.of(mntns)))) {
            exec.onEvent(events::add);
            exec.start();
            new ProcessBuilder("/bin/true").start().waitFor(); // outside the filter
            try (var stdin = generator.getOutputStream()) {
                stdin.write('\n');
            }
            assertThat(generator.waitFor(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(200);
        }
        assertThat(events).hasSize(2).allSatisfy(e -> assertThat(e.mntnsId()).isEqualTo(mntns));
    }

    static long awaitOwnMountNamespace(long pid) throws IOException, InterruptedException {
        var own = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
        for (int i = 0; i < 500; i++) {
            var ns = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")).toString();
            if (!ns.equals(own) && Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("sh")) {
                return Long.parseLong(ns.replaceAll("\\D", ""));
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the generator never entered its own mount namespace");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
