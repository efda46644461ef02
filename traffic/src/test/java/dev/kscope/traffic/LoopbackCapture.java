package dev.kscope.traffic;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real tcpdump on loopback, writing a pcap (or pcapng) while the test's real clients and servers talk. */
final class LoopbackCapture implements AutoCloseable {
    final Path file;
    private final Process tcpdump;

    LoopbackCapture(String name, boolean pcapng, String filter) throws IOException, InterruptedException {
        file = Path.of("/tmp/trf-" + name + "-" + ProcessHandle.current().pid() + (pcapng ? ".pcapng" : ".pcap"));
        Files.deleteIfExists(file);
        var cmd = new ArrayList<>(List.of("tcpdump", "-i", "lo", "-U", "--immediate-mode", "-s", "0", "-w", file.toString()));
        if (pcapng) cmd.addAll(List.of("--time-stamp-precision=nano", "-n"));
        cmd.add(filter);
        tcpdump = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        var err = new BufferedReader(new InputStreamReader(tcpdump.getErrorStream()));
        String line;
        while ((line = err.readLine()) != null && !line.contains("listening on")) {
        }
        if (line == null) throw new IOException("tcpdump did not start (is it installed? run as root)");
        Thread.ofVirtual().start(() -> {
            try {
                err.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
            }
        });
    }

    /** Stops tcpdump (it flushes on SIGTERM) and returns the file. */
    Path stop() throws InterruptedException {
        Thread.sleep(300);
        tcpdump.destroy();
        tcpdump.waitFor(10, TimeUnit.SECONDS);
        return file;
    }

    @Override
    public void close() throws IOException {
        tcpdump.destroyForcibly();
        Files.deleteIfExists(file);
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        var p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " timed out");
        }
        return out;
    }
}
