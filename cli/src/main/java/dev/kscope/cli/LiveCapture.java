package dev.kscope.cli;

import dev.kscope.capture.Capture;
import dev.kscope.capture.CaptureOptions;
import dev.kscope.capture.CaptureTarget;
import dev.kscope.capture.PcapngOutput;
import dev.kscope.traffic.pcap.CaptureSource;
import dev.kscope.traffic.pcap.PcapStreamSource;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.List;

/**
 * Live traffic analysis: kscope capture's AF_PACKET rings, in this process, feeding the analyzer through an
 * in-memory pcapng stream (the same format a file or tcpdump pipe gives it). Ctrl-C or SIGTERM stops the capture;
 * the analyzer then reads to the end of the stream and prints its summary.
 */
final class LiveCapture implements AutoCloseable {
    private final Capture capture;
    private final PodTargetFlags.Started started;
    private final Pipe pipe;
    private final CaptureSource source;
    private final Thread stopper;

    private final Object interrupt;
    private final java.util.concurrent.CountDownLatch analyzed = new java.util.concurrent.CountDownLatch(1);

    private LiveCapture(PodTargetFlags.Started started, Pipe pipe) {
        this.started = started;
        this.capture = started.capture();
        this.pipe = pipe;
        this.source = new PcapStreamSource(Channels.newInputStream(pipe.source()), "live capture");
        this.stopper = Thread.ofPlatform().unstarted(() -> {
            finish();
            try {
                analyzed.await(15, java.util.concurrent.TimeUnit.SECONDS); // let the analyzer print and store the last messages, and its summary
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        });
        Runtime.getRuntime().addShutdownHook(stopper);
        interrupt = Signals.interruptExits(); // kill -INT stops a background kscope traffic too
    }

    /** Captures the selected pods (following them, unless --no-follow) and the {@code fixed} targets. */
    static LiveCapture start(PodTargetFlags pods, List<CaptureTarget> fixed, CaptureOptions options) {
        try {
            var pipe = Pipe.open();
            return new LiveCapture(pods.start(null, fixed, options, PcapngOutput.toStream(pipe.sink())), pipe);
        } catch (IOException e) {
            throw new dev.kscope.core.KscopeException("cannot start the live capture: " + e.getMessage(), e);
        }
    }

    /** The captured interfaces' names, e.g. shop/web/eth0. */
    List<String> interfaces() {
        return capture.interfaces().stream().map(dev.kscope.capture.InterfaceInfo::name).toList();
    }

    /** Packets the kernel dropped because the rings were full, so far (final once the capture ended). */
    long droppedByKernel() {
        return capture.stats().droppedByKernel();
    }

    CaptureSource source() {
        return source;
    }

    /** Stops capturing and ends the stream, so the analyzer finishes what it has. */
    private synchronized void finish() {
        if (!pipe.sink().isOpen()) return;
        started.close(); // no pod joins a capture that is stopping
        capture.stop();
        try {
            capture.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                pipe.sink().close();
            } catch (IOException ignored) {
                // the reader went away first
            }
        }
    }

    @Override
    public void close() {
        finish();
        analyzed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(stopper);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what is running
        }
        Signals.restore("INT", interrupt);
    }
}
