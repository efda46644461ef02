package dev.kscope.cli;

import dev.kscope.containers.ContainerCollection;
import dev.kscope.containers.ContainerScope;
import dev.kscope.core.KscopeException;
import dev.kscope.core.gadget.GadgetOptions;
import dev.kscope.core.bpf.LibBpfLog;
import dev.kscope.core.gadget.Gadget;
import dev.kscope.core.output.ColumnSet;
import dev.kscope.core.output.EventPrinter;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Runs a gadget for a command: prints its events in the chosen format until --timeout, --max-events, Ctrl-C,
 * SIGTERM or a closed pipe, warns on stderr when events are lost, and ends with a one-line summary.
 */
final class GadgetRunner {
    private GadgetRunner() {}

    /**
     * Runs a container-aware gadget: starts the container collection, turns the selector flags into the kernel's
     * mount-namespace filter, and enriches every event with its container and pod.
     */
    static <E> int run(Function<GadgetOptions, ? extends Gadget<E>> gadgetFactory, Function<Boolean, ColumnSet<E>> columnsFactory,
                       GadgetFlags flags, ContainerFlags containerFlags) {
        var selector = containerFlags.selector();
        var options = flags.options();
        // bad flags fail before anything starts
        flags.format().printer(columnsFactory.apply(true), new PrintStream(java.io.OutputStream.nullOutputStream()), 0);
        flags.timeoutDuration();
        flags.maxEventsValue();
        dev.kscope.core.bpf.Environment.requireBpf(); // no root or no BTF: say so first, and only that
        var collectionOptions = containerFlags.options();
        if (selector.selectsAll() && !containerFlags.runtime.explicit()) {
            // tracing a host without any container runtime is normal: nothing to warn about
            var warnings = collectionOptions.warnings();
            collectionOptions = collectionOptions.withWarnings(w -> {
                if (!w.startsWith("no container runtime socket found")) warnings.accept(w);
            });
        }
        long t0 = System.nanoTime();
        try (var collection = ContainerCollection.start(collectionOptions)) {
            if (flags.debug) {
                System.err.printf("kscope: debug: container collection ready in %d ms, %s after launch: %s%n", (System.nanoTime() - t0) / 1_000_000,
                        sinceLaunch(), String.join("; ", collection.runtimeStatus()));
            }
            var scope = new ContainerScope(collection, selector);
            boolean containersHere = !collection.all().isEmpty() || !selector.selectsAll();
            if (!selector.selectsAll() && !selector.host() && collection.select(selector).isEmpty()) {
                System.err.println("kscope: no container matches " + selector.describe() + " yet: waiting for one to start");
            }
            var gadget = gadgetFactory.apply(scope.apply(options));
            return run(gadget, columnsFactory.apply(containersHere), flags, () -> scope.follow(gadget), scope::unfollow);
        }
    }

    private static String sinceLaunch() {
        return ProcessHandle.current().info().startInstant()
                .map(t -> java.time.Duration.between(t, java.time.Instant.now()).toMillis() + " ms").orElse("?");
    }

    static <E> int run(Gadget<E> gadget, ColumnSet<E> columns, GadgetFlags flags) {
        return run(gadget, columns, flags, () -> {}, () -> {});
    }

    private static <E> int run(Gadget<E> gadget, ColumnSet<E> columns, GadgetFlags flags, Runnable afterStart, Runnable beforeStop) {
        LibBpfLog.echoToStderr(flags.debug);
        var format = flags.format();
        var timeout = flags.timeoutDuration();
        long maxEvents = flags.maxEventsValue();
        var out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, StandardCharsets.UTF_8);
        EventPrinter<E> printer = format.printer(columns, out, Terminal.width());

        var done = new CountDownLatch(1);
        var finished = new CountDownLatch(1);
        var failure = new AtomicReference<Throwable>();
        var printed = new AtomicLong();
        var totalLost = new AtomicLong();
        gadget.onEvent(e -> {
            if (printed.get() >= maxEvents) return;
            printer.print(e);
            if (printed.incrementAndGet() >= maxEvents) done.countDown();
        });
        gadget.onLost(n -> {
            long total = totalLost.addAndGet(n);
            printer.lost(n, total);
            System.err.println("kscope: warning: " + n + " events lost (" + total + " in all): the ring buffer was full; raise --ringbuf-size or narrow the filter");
        });
        gadget.onError(t -> {
            failure.set(t);
            done.countDown();
        });
        gadget.onDrained(() -> {
            printer.flush();
            if (out.checkError()) done.countDown(); // the reader went away (e.g. | head): stop quietly
        });
        var hook = Thread.ofPlatform().unstarted(() -> {
            done.countDown();
            try {
                finished.await(3, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        var interrupt = Signals.interruptExits(); // kill -INT works on background jobs too
        long started = System.nanoTime();
        boolean running = false;
        try {
            gadget.start();
            running = true;
            afterStart.run();
            printer.header();
            printer.flush();
            if (flags.debug) {
                System.err.println("kscope: debug: " + gadget.name() + " attached " + sinceLaunch() + " after launch (" + gadget.startupTimings() + ")");
            }
            if (timeout == null) done.await();
            else done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            beforeStop.run();
            gadget.close();
            printer.flush();
            var elapsed = Duration.ofNanos(System.nanoTime() - started);
            if (running && !out.checkError()) {
                System.err.printf("kscope: %s: %d events, %d lost in %.1fs%n", gadget.name(), gadget.deliveredEvents(), gadget.lostEvents(), elapsed.toMillis() / 1000.0);
            }
            finished.countDown();
            Signals.restore("INT", interrupt);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C or SIGTERM: the JVM exits once the hook returns
            }
        }
        var f = failure.get();
        if (f instanceof KscopeException k) throw k;
        if (f != null) throw new KscopeException(gadget.name() + " stopped: " + f, f);
        return 0;
    }
}
