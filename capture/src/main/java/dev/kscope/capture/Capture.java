package dev.kscope.capture;

import dev.kscope.core.KscopeException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running packet capture of one or more targets into one pcapng output.
 *
 * <pre>{@code
 * try (var capture = Capture.start(List.of(CaptureTarget.netns("/run/netns/web", List.of())),
 *         CaptureOptions.defaults().withFilter("tcp port 80").withMaxPackets(100),
 *         PcapngOutput.toFile(Path.of("web.pcapng"), PcapngOutput.Rotation.NONE))) {
 *     var result = capture.await();
 *     System.err.println(result.message() + "\n" + result.stats().report());
 * }
 * }</pre>
 */
public final class Capture implements AutoCloseable {

    /** Why a capture ended. */
    public enum Reason {
        /** {@link #stop()} was called (Ctrl-C, SIGTERM). */ STOPPED,
        /** the packet limit (-c) was reached */ COUNT,
        /** the duration (--duration) elapsed */ DURATION,
        /** the last file of a -G/-W series was written */ FILES,
        /** every target's interfaces or namespaces went away */ TARGET_GONE,
        /** the output failed: disk full, unwritable, reader of stdout gone */ OUTPUT_FAILED,
        /** an unexpected error in a capture thread */ ERROR
    }

    /** @param message one line for the user, null when the capture ended as asked */
    public record Result(Reason reason, String message, CaptureStats stats) {}

    private final CaptureOptions options;
    private final PcapngOutput output;
    private final List<TargetReader> readers = new ArrayList<>();
    private final AtomicReference<Reason> reason = new AtomicReference<>();
    private final Map<TargetReader, java.util.Optional<Throwable>> ended = new ConcurrentHashMap<>();
    private final CountDownLatch allEnded;
    private volatile boolean stopping;
    private final long deadline;
    private Result result;
    private List<CaptureStats> finalStats;

    private Capture(List<CaptureTarget> targets, CaptureOptions options, PcapngOutput output) {
        this.options = options;
        this.output = output;
        this.allEnded = new CountDownLatch(targets.size());
        this.deadline = options.duration() == null ? Long.MAX_VALUE : System.nanoTime() + options.duration().toNanos();
        Map<Integer, PacketFilter> filters = new ConcurrentHashMap<>();
        filters.put(PacketFilter.DLT_EN10MB, PacketFilter.compile(options.filter(), PacketFilter.DLT_EN10MB, options.snaplen()));
        for (var t : targets) readers.add(new TargetReader(t, this, options, filters));
    }

    /**
     * Opens every target (one thread each, in its network namespace), writes the pcapng headers and starts reading.
     * Fails with a KscopeException, having closed everything, if any target cannot be opened.
     */
    public static Capture start(List<CaptureTarget> targets, CaptureOptions options, PcapngOutput output) {
        if (targets.isEmpty()) throw new KscopeException("nothing to capture: no target given (give an interface, a network namespace or a pod)");
        var c = new Capture(targets, options, output);
        var infos = new ArrayList<InterfaceInfo>();
        int id = 0;
        try {
            for (var r : c.readers) {
                var t = new Thread(r, "kscope-capture " + r.target.label());
                t.setDaemon(true);
                t.start();
            }
            for (var r : c.readers) {
                for (var ring : r.opened.get(30, TimeUnit.SECONDS)) ring.interfaceId = id++;
                infos.addAll(r.interfaces());
            }
        } catch (Exception e) {
            c.stopping = true;
            c.readers.forEach(r -> r.go.countDown());
            for (var r : c.readers) r.opened.thenAccept(rings -> rings.forEach(PacketRing::close));
            output.finish();
            var cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof KscopeException k) throw k;
            throw new KscopeException("cannot start the capture: " + cause, cause);
        }
        output.begin(infos, options.maxPackets(), c::interfaceStats);
        c.readers.forEach(r -> r.go.countDown());
        return c;
    }

    public CaptureOptions options() {
        return options;
    }

    /** The interfaces captured, in the order of their pcapng interface ids. */
    public List<InterfaceInfo> interfaces() {
        return readers.stream().flatMap(r -> r.interfaces().stream()).toList();
    }

    int targetCount() {
        return readers.size();
    }

    PcapngOutput output() {
        return output;
    }

    boolean stopping() {
        return stopping;
    }

    /** Asks every capture thread to finish; {@link #await()} then returns. */
    public void stop() {
        stop(Reason.STOPPED);
    }

    private void stop(Reason why) {
        reason.compareAndSet(null, why);
        stopping = true;
    }

    boolean drainOnStop() {
        var why = reason.get();
        return (why == Reason.STOPPED || why == Reason.DURATION) && !output.done();
    }

    void checkDeadline() {
        if (System.nanoTime() >= deadline) stop(Reason.DURATION);
    }

    void outputDone() {
        stop(output.failure() != null ? Reason.OUTPUT_FAILED : output.limitReached() ? Reason.COUNT : Reason.FILES);
    }

    void targetEnded(TargetReader r, Throwable error) {
        ended.put(r, java.util.Optional.ofNullable(error));
        if (error != null) stop(Reason.ERROR);
        if (r.endMessage != null && ended.size() == readers.size()) stop(Reason.TARGET_GONE);
        allEnded.countDown();
    }

    /** Waits until the capture ends (limit, duration, stop(), failure), then closes the output and returns why. */
    public Result await() throws InterruptedException {
        while (!allEnded.await(100, TimeUnit.MILLISECONDS)) {
            checkDeadline(); // also when a target thread is stuck in a namespace with no traffic
        }
        return finish();
    }

    private synchronized Result finish() {
        if (result != null) return result;
        stopping = true;
        output.finish(); // first: a failed write may take back packets counted as captured
        var stats = interfaceStats();
        finalStats = stats;
        readers.forEach(r -> r.rings().forEach(PacketRing::close));
        var why = reason.get() == null ? Reason.STOPPED : reason.get();
        result = new Result(why, message(why), stats.stream().reduce(CaptureStats.ZERO, CaptureStats::plus));
        return result;
    }

    private String message(Reason why) {
        return switch (why) {
            case STOPPED, COUNT, DURATION, FILES -> null;
            case TARGET_GONE -> readers.stream().map(r -> r.endMessage).filter(m -> m != null).distinct()
                    .reduce((a, b) -> a + "; " + b).orElse("the capture targets went away");
            case OUTPUT_FAILED -> {
                var f = output.failure();
                var what = f == null ? "unknown error" : f.getMessage();
                var file = output.files().isEmpty() ? "stdout" : output.files().getLast().toString();
                if (what != null && what.contains("No space left")) {
                    yield "cannot write " + file + ": no space left on device; the file holds the " + output.captured()
                            + " packets captured before (free some space, or bound the size with -C/-W)";
                }
                if (what != null && what.contains("Broken pipe")) {
                    yield "the reader of the output went away (broken pipe) after " + output.captured() + " packets";
                }
                yield "cannot write " + file + ": " + what + "; the file holds the " + output.captured() + " packets captured before";
            }
            case ERROR -> ended.values().stream().flatMap(java.util.Optional::stream).findFirst()
                    .map(t -> "capture failed: " + t).orElse("capture failed");
        };
    }

    /** Counters of each interface so far (final ones once the capture ended), in interface id order. */
    public synchronized List<CaptureStats> interfaceStats() {
        if (finalStats != null) return finalStats;
        var result = new ArrayList<CaptureStats>();
        for (var r : readers) {
            var deltas = r.interfaceDeltas();
            for (int i = 0; i < r.rings().size(); i++) {
                var ring = r.rings().get(i);
                var k = ring.kernelStats();
                long ifRecv = deltas == null ? 0 : deltas[i][0], ifDrop = deltas == null ? 0 : deltas[i][1];
                result.add(new CaptureStats(output.captured(ring.interfaceId), k[0], k[1], ifDrop, ifRecv));
            }
        }
        return result;
    }

    /** Totals over all interfaces so far. */
    public CaptureStats stats() {
        return interfaceStats().stream().reduce(CaptureStats.ZERO, CaptureStats::plus);
    }

    @Override
    public void close() {
        stop();
        try {
            allEnded.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finish();
    }
}
