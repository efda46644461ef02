package dev.kscope.capture;

import dev.kscope.containers.Container;
import dev.kscope.containers.ContainerCollection;
import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.ContainerListener;
import dev.kscope.core.KscopeException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps an open {@link Capture} on the pods a selection names, as they come and go on this node (Kubeshark's
 * behaviour): every pod that starts and matches becomes a new target (new interfaces in the running pcapng), a pod
 * that goes away ends alone, and the capture waits for the next one. A pod is captured through one of its running
 * containers; when that container dies (a crash loop) and the pod has another, or gets a new one, capture goes on
 * through it. Named pods (-p) are followed by name: deleted and created again, they are captured again.
 *
 * <pre>{@code
 * try (var follower = PodFollower.open(options, new PodQuery("shop", List.of(), null, "app=web", false));
 *      var capture = Capture.startOpen(CaptureOptions.defaults(), PcapngOutput.toFile(file, Rotation.NONE))) {
 *     follower.start(capture, line -> System.err.println("kscope: " + line));
 *     capture.await();
 * }
 * }</pre>
 */
public final class PodFollower implements AutoCloseable {
    private final ContainerCollection collection;
    private final PodTargetResolver.PodQuery query;
    /** Adds and ends targets one at a time, off the collection's thread (opening rings takes a while). */
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("kscope-follow").unstarted(r));
    /** Pods being captured (by {@link ContainerPodTargets#podKey}), and the container entered through. Worker thread only. */
    private final Map<String, Container> capturing = new HashMap<>();
    private final List<ContainerListener> listeners = new ArrayList<>();
    /** Pods that could not be captured at the start (worker thread): an error if no pod could. */
    private final List<KscopeException> failures = new ArrayList<>();
    private Capture capture;
    private Consumer<String> notices = s -> {};
    private volatile boolean announce, closed;

    private PodFollower(ContainerCollection collection, PodTargetResolver.PodQuery query) {
        this.collection = collection;
        this.query = query;
    }

    /**
     * Starts watching this node's containers. Fails as {@link ContainerPodTargets#resolve} does for a named pod (-p)
     * that is not here; a selector that matches no pod yet is fine (the capture waits for one).
     */
    public static PodFollower open(ContainerCollectionOptions options, PodTargetResolver.PodQuery query) {
        var collection = ContainerCollection.start(options);
        try {
            ContainerPodTargets.podsNow(collection, query, true);
            return new PodFollower(collection, query);
        } catch (RuntimeException e) {
            collection.close();
            throw e;
        }
    }

    /**
     * Adds the selected pods running now to {@code capture} (an open one), then every one that starts later, saying so
     * on {@code notices} ("now capturing pod NS/NAME", "pod NS/NAME went away"). Fails if pods run now and none of
     * them can be captured (e.g. no CAP_NET_RAW); returns once those are captured.
     */
    public void start(Capture capture, Consumer<String> notices) {
        this.capture = capture;
        this.notices = notices;
        var listener = new ContainerListener() {
            @Override
            public void added(Container c) {
                worker.execute(() -> consider(c));
            }

            @Override
            public void removed(Container c) {
                // the target's reader sees its namespace go within a second, and ends it (see ended)
            }
        };
        for (var selector : ContainerPodTargets.selectors(query)) listeners.add(collection.follow(selector, listener));
        try {
            worker.submit(() -> {
                if (capturing.isEmpty() && !failures.isEmpty()) throw failures.getFirst();
                if (capturing.isEmpty()) {
                    notices.accept("no pod on this node matches " + ContainerPodTargets.describe(query)
                            + " yet: waiting for one (Ctrl-C to stop)");
                }
                announce = true;
                return null;
            }).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            close();
            throw e.getCause() instanceof KscopeException k ? k : new KscopeException("cannot follow the pods: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            close();
            throw new KscopeException("cannot follow the pods: " + e, e);
        }
    }

    /** A selected container appeared or changed: capture its pod unless it is captured already. Worker thread. */
    private void consider(Container c) {
        if (!ContainerPodTargets.running(c) || capture.stopping()) return;
        var key = ContainerPodTargets.podKey(c);
        if (capturing.containsKey(key)) return;
        var pod = c.namespace() + "/" + c.podName();
        try {
            var ended = capture.add(ContainerPodTargets.target(c));
            capturing.put(key, c);
            if (announce) notices.accept("now capturing pod " + pod);
            ended.whenComplete((why, error) -> {
                if (!closed) worker.execute(() -> ended(key, c, why, error));
            });
        } catch (KscopeException e) {
            if (closed || capture.stopping()) return; // the capture is ending: not a pod's problem
            if (!Files.exists(Path.of("/proc/" + c.pid()))) return; // gone before it could be opened: nothing to say
            if (announce) notices.accept("cannot capture pod " + pod + ": " + e.getMessage());
            else failures.add(e);
        }
    }

    /** The target of a pod ended: on its own (why != null), failing (error != null) or with the capture. Worker thread. */
    private void ended(String key, Container through, String why, Throwable error) {
        if (capturing.get(key) != through) return;
        capturing.remove(key);
        if (error != null) {
            notices.accept("capture of pod " + through.namespace() + "/" + through.podName() + " failed: " + error);
            return;
        }
        if (why == null) return;
        // the container entered through went away: the pod may live on in another one (or a restarted one)
        var other = collection.all().stream()
                .filter(c -> ContainerPodTargets.podKey(c).equals(key) && ContainerPodTargets.running(c) && c.pid() != through.pid())
                .filter(c -> ContainerPodTargets.selectors(query).stream().anyMatch(s -> s.matches(c)))
                .filter(c -> Files.exists(Path.of("/proc/" + c.pid())))
                .findFirst();
        if (other.isPresent()) {
            consider(other.get());
            if (capturing.containsKey(key)) return;
        }
        notices.accept("pod " + through.namespace() + "/" + through.podName() + " went away");
    }

    @Override
    public void close() {
        closed = true;
        listeners.forEach(collection::removeListener);
        worker.shutdownNow();
        collection.close();
    }
}
