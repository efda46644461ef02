package dev.kscope.core.gadget;

import dev.kscope.core.bpf.BpfMap;
import dev.kscope.core.bpf.BpfObject;
import dev.kscope.core.bpf.EventLayout;
import dev.kscope.core.bpf.Record;
import dev.kscope.core.bpf.RingBuffer;
import dev.kscope.core.event.ContainerInfo;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A running eBPF gadget: one BPF object whose programs emit records of {@code struct event} into the ring
 * buffer {@code events} (see gadget.h). The base does what every gadget shares: configure, load, attach,
 * poll on a dedicated thread, count lost events, keep the mount-namespace filter, and enrich each record with
 * its container before the gadget decodes it. A gadget only names its object and decodes its struct.
 *
 * <pre>{@code
 * try (var exec = new TraceExec(GadgetOptions.defaults())) {
 *     exec.onEvent(e -> System.out.println(e.comm() + " " + e.args()));
 *     exec.onLost(n -> System.err.println(n + " events lost"));
 *     exec.start();
 *     Thread.sleep(5000);
 * }
 * }</pre>
 */
public abstract class Gadget<E> implements AutoCloseable {
    private static final long LOST_CHECK_NANOS = 250_000_000L;

    private final GadgetOptions options;
    private final AtomicLong delivered = new AtomicLong();
    private final Record record = new Record();
    private final AtomicLong lost = new AtomicLong();
    private Consumer<? super E> onEvent = e -> {};
    private LongConsumer onLost = n -> {};
    private Consumer<Throwable> onError = t -> {};
    private Runnable onDrained = () -> {};
    private BpfObject object;
    private RingBuffer ring;
    private BpfMap lostCounter;
    private BpfMap mntnsFilter;
    private EventLayout.Field mntnsField;
    private EventLayout.Field pidField;
    private long lastLostCheck;
    private volatile boolean stopped;
    private final java.util.Map<Long, Boolean> verdicts = new java.util.concurrent.ConcurrentHashMap<>();
    private String startup = "";

    protected Gadget(GadgetOptions options) {
        this.options = options;
    }

    /** The gadget's name as users type it, e.g. "trace exec". */
    public abstract String name();

    /** The classpath resource of the compiled BPF object, relative to the gadget class. */
    protected abstract String objectResource();

    /** Reads field positions out of {@code struct event}; called once, after open. */
    protected abstract void bind(EventLayout event);

    /** Turns one ring-buffer record into an event; the record is only valid during the call. */
    protected abstract E decode(Record record, ContainerInfo container);

    /** Gadget-specific .rodata settings, before load. */
    protected void configure(BpfObject.Config rodata) {}

    public final Gadget<E> onEvent(Consumer<? super E> handler) {
        this.onEvent = handler;
        return this;
    }

    /** Called on the poll thread with the number of events lost since the last call. */
    public final Gadget<E> onLost(LongConsumer handler) {
        this.onLost = handler;
        return this;
    }

    /** Called once if the poll thread fails (e.g. an exception from the event handler); the gadget then stops. */
    public final Gadget<E> onError(Consumer<Throwable> handler) {
        this.onError = handler;
        return this;
    }

    /** Called on the poll thread after each drain of the ring buffer: the moment to flush buffered output. */
    public final Gadget<E> onDrained(Runnable handler) {
        this.onDrained = handler;
        return this;
    }

    public final GadgetOptions options() {
        return options;
    }

    /** Loads and attaches the programs and starts delivering events. Failures leave nothing attached. */
    public final void start() {
        long t0 = System.nanoTime();
        var obj = BpfObject.openResource(getClass(), objectResource());
        long t1 = System.nanoTime(), t2 = t1, t3 = t1;
        try {
            obj.map("events").setMaxEntries(options.ringBufferBytes());
            var rodata = obj.rodata();
            rodata.set("gadget_filter_by_mntns", options.mntnsFilter() != null);
            rodata.set("gadget_filter_pass_unknown", options.unknownMntns() != null);
            rodata.set("gadget_wakeup_bytes", options.ringBufferBytes() / 8);
            configure(rodata);
            var layout = obj.btf().struct("event");
            mntnsField = layout.field("mntns_id");
            pidField = layout.field("pid");
            bind(layout);
            t2 = System.nanoTime();
            obj.load();
            t3 = System.nanoTime();
            lostCounter = obj.map("gadget_lost");
            mntnsFilter = obj.map("gadget_mntns_filter");
            if (options.mntnsFilter() != null) options.mntnsFilter().forEach(this::setMntnsVerdict);
            ring = new RingBuffer(obj.map("events"), this::deliver, (int) Math.max(1, options.flushInterval().toMillis()), this::afterDrain);
            obj.attachAll();
            object = obj;
            long t4 = System.nanoTime();
            startup = "open %d ms, configure %d ms, load %d ms, attach %d ms".formatted(
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000);
        } catch (RuntimeException e) {
            if (ring != null) ring.close();
            obj.close();
            throw e;
        }
        ring.start("kscope-" + name().replace(' ', '-'), t -> onError.accept(t));
    }

    private void deliver(MemorySegment segment) {
        var record = this.record.load(segment);
        long mntns = mntnsField.getLong(record);
        int pid = pidField.getInt(record);
        var decider = options.unknownMntns();
        if (decider != null && !verdicts.containsKey(mntns)) {
            // the kernel passed this namespace up because it had no verdict: decide once, tell the kernel
            boolean trace = decider.trace(mntns, pid);
            setMntnsVerdict(mntns, trace);
            if (!trace) return;
        } else if (decider != null && !verdicts.get(mntns)) {
            return; // in flight before the kernel learnt the verdict
        }
        var container = options.containers().lookup(mntns, pid);
        var event = decode(record, container);
        delivered.incrementAndGet();
        onEvent.accept(event);
    }

    private void afterDrain() {
        checkLost();
        onDrained.run();
    }

    private void checkLost() {
        long now = System.nanoTime();
        if (now - lastLostCheck < LOST_CHECK_NANOS && !stopped) return;
        lastLostCheck = now;
        long total = lostCounter.sumPerCpuCounter(0);
        long delta = total - lost.getAndSet(total);
        if (delta > 0) onLost.accept(delta);
    }

    /** Starts or stops tracing a mount namespace (when filtering by mount namespace). */
    public final void setMntnsVerdict(long mntnsId, boolean trace) {
        verdicts.put(mntnsId, trace);
        mntnsFilter.put(mntnsId, trace ? 1 : 0);
    }

    public final void allowMntns(long mntnsId) {
        setMntnsVerdict(mntnsId, true);
    }

    /** Forgets a namespace's verdict (it went away; its id may be reused): it is unknown again. */
    public final void forgetMntns(long mntnsId) {
        verdicts.remove(mntnsId);
        mntnsFilter.delete(mntnsId);
    }

    /** Where start() spent its time, for --debug. */
    public final String startupTimings() {
        return startup;
    }

    public final long deliveredEvents() {
        return delivered.get();
    }

    /** Events the kernel side could not deliver (ring buffer or in-kernel table full), as of the last check. */
    public final long lostEvents() {
        return lost.get();
    }

    /** Detaches the programs, then drains what is left in the ring and takes a last lost count. */
    public final synchronized void stop() {
        if (stopped || object == null) return;
        stopped = true;
        object.detach();
        ring.stop();
        object.close();
    }

    @Override
    public final synchronized void close() {
        stop();
        if (ring != null) ring.close();
        ring = null;
    }
}
