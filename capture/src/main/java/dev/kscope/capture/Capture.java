package dev.kscope.capture;

import dev.kscope.core.KscopeException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
    private final List<TargetReader> readers = new CopyOnWriteArrayList<>();
    private final AtomicReference<Reason> reason = new AtomicReference<>();
    private final Map<TargetReader, java.util.Optional<Throwable>> ended = new ConcurrentHashMap<>();
    private final Map<Integer, PacketFilter> filters = new ConcurrentHashMap<>();
    /** Open: targets can join ({@link #add}), and the capture goes on when its targets are gone. */
    private final boolean open;
    /** Readers started and not ended yet; {@link #await} waits for none to be left (guarded by this). */
    private int running;
    /** The next pcapng interface id; written under the output's lock, with the IDBs (readers that rotate files hold it, then this). */
    private volatile int nextInterfaceId;
    private volatile boolean stopping;
    private final long deadline;
    private Result result;
    private List<CaptureStats> finalStats;

    private Capture(List<CaptureTarget> targets, CaptureOptions options, PcapngOutput output, boolean open) {
        this.options = options;
        this.output = output;
        this.open = open;
        this.running = targets.size();
        this.deadline = options.duration() == null ? Long.MAX_VALUE : System.nanoTime() + options.duration().toNanos();
        filters.put(PacketFilter.DLT_EN10MB, PacketFilter.compile(options.filter(), PacketFilter.DLT_EN10MB, options.snaplen()));
        for (var t : targets) readers.add(new TargetReader(t, this, options, filters));
    }

    /**
     * Opens every target (one thread each, in its network namespace), writes the pcapng headers and starts reading.
     * Fails with a KscopeException, having closed everything, if any target cannot be opened.
     */
    public static Capture start(List<CaptureTarget> targets, CaptureOptions options, PcapngOutput output) {
        if (targets.isEmpty()) throw new KscopeException("nothing to capture: no target given (give an interface, a network namespace or a pod)");
        var c = new Capture(targets, options, output, false);
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
        c.nextInterfaceId = id;
        output.begin(infos, options.maxPackets(), c::interfaceStats);
        c.readers.forEach(r -> r.go.countDown());
        return c;
    }

    /**
     * Starts a capture with no target yet, that targets join while it runs ({@link #add}): pods that start after it,
     * each with new interfaces in the output. It does not end when its targets are gone, only when stopped, by its
     * limits, or when its output fails.
     */
    public static Capture startOpen(CaptureOptions options, PcapngOutput output) {
        var c = new Capture(List.of(), options, output, true);
        output.begin(List.of(), options.maxPackets(), c::interfaceStats);
        return c;
    }

    /**
     * Adds a target to an open capture: opens its interfaces (in its thread, in its namespace), writes their
     * Interface Description Blocks into the running output (ids continue after the existing ones), then starts
     * reading. Throws a KscopeException if the target cannot be opened (e.g. its pod is already gone). The returned
     * future completes when the target ends on its own, with why (e.g. "pod shop/web was deleted"), with null when
     * the capture ended, or exceptionally when reading it failed.
     */
    public CompletableFuture<String> add(CaptureTarget target) {
        if (!open) throw new IllegalStateException("targets can only be added to a capture started with startOpen");
        TargetReader r;
        synchronized (this) {
            if (stopping) throw new KscopeException("cannot add " + target.label() + ": the capture has ended");
            r = new TargetReader(target, this, options, filters);
            readers.add(r);
            running++;
        }
        var t = new Thread(r, "kscope-capture " + target.label());
        t.setDaemon(true);
        t.start();
        List<PacketRing> rings;
        try {
            rings = r.opened.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            forget(r);
            r.cancel(); // if it opens after all, it closes its rings and ends
            var cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof KscopeException k) throw k;
            throw new KscopeException("cannot capture " + target.label() + ": " + cause, cause);
        }
        synchronized (output) {
            int id = nextInterfaceId;
            for (var ring : rings) ring.interfaceId = id++;
            nextInterfaceId = id;
            output.addInterfaces(r.interfaces());
        }
        r.go.countDown();
        return r.ended;
    }

    /**
     * Interfaces a running target found after it started (one reading every interface of its namespace): they get the
     * next interface ids and their descriptions go into the running output before any of their packets.
     */
    void interfacesAdded(List<PacketRing> rings, List<InterfaceInfo> infos) {
        synchronized (output) {
            int id = nextInterfaceId;
            for (var ring : rings) ring.interfaceId = id++;
            output.addInterfaces(infos);
            nextInterfaceId = id;
        }
    }

    /** A reader that could not open: it never ran, it is no part of the capture. */
    private synchronized void forget(TargetReader r) {
        readers.remove(r);
        running--;
        notifyAll();
    }

    public CaptureOptions options() {
        return options;
    }

    /** The interfaces captured, in the order of their pcapng interface ids (those of targets that ended too). */
    public synchronized List<InterfaceInfo> interfaces() {
        var result = new InterfaceInfo[nextInterfaceId];
        for (var r : readers) {
            if (!r.opened()) continue; // a target being added: its interfaces have no id yet
            for (int i = 0; i < r.rings().size(); i++) {
                int id = r.rings().get(i).interfaceId;
                if (id >= 0 && id < result.length) result[id] = r.interfaces().get(i);
            }
        }
        return java.util.Arrays.stream(result).filter(java.util.Objects::nonNull).toList();
    }

    /** Targets reading now: the packet ring budget is shared among them. */
    synchronized int targetCount() {
        return Math.max(1, running);
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
        // an open capture waits for new targets: one that ends on its own (its pod went away) ends alone
        if (error != null && !open) stop(Reason.ERROR);
        if (r.endMessage != null && !open && ended.size() == readers.size()) stop(Reason.TARGET_GONE);
        r.rings().forEach(PacketRing::close); // its counters stay; the ring memory goes back to the kernel now
        synchronized (this) {
            running--;
            notifyAll();
        }
        if (error != null && !stopping) r.ended.completeExceptionally(error);
        else r.ended.complete(stopping ? null : r.endMessage);
    }

    /** Waits until the capture ends (limit, duration, stop(), failure), then closes the output and returns why. */
    public Result await() throws InterruptedException {
        while (!awaitReaders(100)) {
            checkDeadline(); // also when a target thread is stuck in a namespace with no traffic
        }
        return finish();
    }

    /** True once no reader runs and none can join; meanwhile an open capture with none does the readers' idle work. */
    private boolean awaitReaders(long millis) throws InterruptedException {
        synchronized (this) {
            if (running == 0 && (!open || stopping)) return true;
            wait(millis);
            if (running == 0 && (!open || stopping)) return true;
            if (running > 0) return false;
        }
        output.idle(); // flush, -G rotation, stdout's reader gone
        if (output.done()) outputDone();
        return false;
    }

    private synchronized Result finish() {
        if (result != null) return result;
        stopping = true;
        output.finish(); // first: a failed write may take back packets counted as captured
        var stats = interfaceStats();
        finalStats = stats;
        readers.forEach(r -> r.rings().forEach(PacketRing::close));
        readers.forEach(r -> r.ended.complete(null));
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
        var result = new CaptureStats[nextInterfaceId];
        for (var r : readers) {
            if (!r.opened()) continue;
            var deltas = r.interfaceDeltas();
            for (int i = 0; i < r.rings().size(); i++) {
                var ring = r.rings().get(i);
                if (ring.interfaceId < 0 || ring.interfaceId >= result.length) continue; // still opening
                var k = ring.kernelStats();
                long ifRecv = deltas == null ? 0 : deltas[i][0], ifDrop = deltas == null ? 0 : deltas[i][1];
                result[ring.interfaceId] = new CaptureStats(output.captured(ring.interfaceId), k[0], k[1], ifDrop, ifRecv);
            }
        }
        return java.util.Arrays.stream(result).map(s -> s == null ? CaptureStats.ZERO : s).toList();
    }

    /** Totals over all interfaces so far. */
    public CaptureStats stats() {
        return interfaceStats().stream().reduce(CaptureStats.ZERO, CaptureStats::plus);
    }

    @Override
    public void close() {
        stop();
        try {
            long until = System.nanoTime() + 5_000_000_000L;
            while (!awaitReaders(100) && System.nanoTime() < until) { /* the readers notice within their poll timeout */ }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finish();
    }
}
