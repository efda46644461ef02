package dev.kscope.containers;

import dev.kscope.containers.kubernetes.KubernetesEnricher;
import dev.kscope.containers.proc.CgroupPaths;
import dev.kscope.containers.proc.CgroupWatcher;
import dev.kscope.containers.proc.ProcDiscovery;
import dev.kscope.containers.proc.ProcFs;
import dev.kscope.containers.runtime.CriRuntime;
import dev.kscope.containers.runtime.DockerApiRuntime;
import dev.kscope.containers.runtime.RuntimeClient;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.containers.runtime.RuntimeUnavailableException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The containers running on this host, kept up to date.
 *
 * <p>{@link #start} first starts listening (cgroup directories through inotify, the Docker API's event stream), then
 * lists what runs, so no container starting meanwhile is missed; a periodic re-list is the safety net. A new
 * container's cgroup directory appears before its entrypoint runs, so it is usually known before the first event
 * from it; {@link #resolve} covers the rest by asking the runtime on the spot.
 *
 * <p>Runtimes that stop answering (containerd restarted) get one warning; what was known from them stays, and they
 * are re-listed when they answer again. When no runtime answers at all, containers are found from /proc and cgroup
 * paths (container ID, pod UID, PID and namespaces, no names).
 */
public final class ContainerCollection implements AutoCloseable {
    /** Delays between attempts to complete a container whose cgroup just appeared (its runtime may not know its PID yet). */
    private static final long[] RETRY_MS = {2, 5, 10, 20, 40, 80, 160, 320, 640, 1280};

    private final ContainerCollectionOptions options;
    private final ProcFs proc;
    private final ProcDiscovery procDiscovery;
    private final List<Runtime> runtimes = new ArrayList<>();
    private final Map<String, Container> byId = new ConcurrentHashMap<>();
    private final Map<Long, Container> byMntns = new ConcurrentHashMap<>();
    /** IDs a runtime said are not containers (pod sandboxes): not asked about again. */
    private final Set<String> notContainers = ConcurrentHashMap.newKeySet();
    /** Containers the Kubernetes API has answered about (found or not), so they aren't asked about again. */
    private final Set<String> enriched = ConcurrentHashMap.newKeySet();
    private final List<ContainerListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService worker;
    private final ExecutorService enrichment;
    private final KubernetesEnricher kubernetes;
    private final long hostMntns;
    /** kscope's own mount namespace: where the runtime's helpers run when kscope is not in a container itself. */
    private final long selfMntns;
    private final String nodeName;
    private volatile Path cgroupHierarchy;
    private volatile boolean fallbackWarned;
    private CgroupWatcher cgroupWatcher;

    /** A runtime and whether it answered last time (to warn once per outage). */
    private static final class Runtime {
        final RuntimeClient client;
        volatile boolean up;
        volatile boolean warned;

        Runtime(RuntimeClient client) {
            this.client = client;
        }
    }

    private ContainerCollection(ContainerCollectionOptions options) {
        this.options = options;
        this.proc = new ProcFs(options.procRoot());
        this.procDiscovery = new ProcDiscovery(proc);
        this.selfMntns = proc.mntns((int) ProcessHandle.current().pid()).orElse(0);
        this.hostMntns = proc.mntns(1).orElse(selfMntns);
        this.nodeName = options.nodeName() != null ? options.nodeName() : defaultNodeName();
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("kscope-containers").unstarted(r));
        this.kubernetes = KubernetesEnricher.create(options.kubernetes(), options.kubeconfig(), options.kubernetesClient(),
                options.warnings(), options.kubernetesRetry()).orElse(null);
        this.enrichment = kubernetes == null ? null
                : Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("kscope-kubernetes").unstarted(r));
    }

    /** Lists the running containers, then follows starts and stops until closed. */
    public static ContainerCollection start(ContainerCollectionOptions options) {
        var c = new ContainerCollection(options);
        try {
            c.connect();
            c.initialSync();
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    public static ContainerCollection start() {
        return start(ContainerCollectionOptions.defaults());
    }

    private void connect() {
        var endpoints = !options.runtimes().isEmpty() ? options.runtimes()
                : java.util.Arrays.stream(RuntimeKind.values()).map(RuntimeEndpoint::defaultFor).filter(e -> Files.exists(e.socket())).toList();
        for (var endpoint : endpoints) runtimes.add(new Runtime(RuntimeClient.connect(endpoint)));
        for (var r : runtimes) {
            try {
                switch (r.client) {
                    case CriRuntime cri -> cri.version();
                    case DockerApiRuntime docker -> docker.version();
                }
                r.up = true;
            } catch (RuntimeUnavailableException e) {
                warnDown(r, e);
            }
        }
        cgroupHierarchy = CgroupWatcher.hierarchy(options.cgroupRoot());
        try {
            cgroupWatcher = CgroupWatcher.start(options.cgroupRoot(),
                    (id, dir) -> worker.execute(() -> guarded("looking up container " + id, () -> discover(id, dir, 0))),
                    (id, dir) -> worker.execute(() -> guarded("checking container " + id, () -> checkGone(id))),
                    () -> worker.execute(() -> guarded("re-listing containers", this::resync)), options.warnings());
        } catch (IOException e) {
            options.warnings().accept("cannot watch cgroups under " + options.cgroupRoot() + " (" + e.getMessage()
                    + "): new containers are found by polling every " + options.resync().toMillis() + " ms");
        }
        for (var r : runtimes) {
            r.client.watch(id -> worker.execute(() -> guarded("looking up container " + id, () -> discover(id, null, 0))),
                    id -> worker.execute(() -> guarded("checking container " + id, () -> checkGone(id))));
        }
    }

    private void initialSync() {
        try {
            worker.submit(this::resync).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("container listing did not finish", e);
        }
        var period = options.resync().toMillis();
        worker.scheduleWithFixedDelay(() -> guarded("re-listing containers", this::resync), period, period, TimeUnit.MILLISECONDS);
    }

    // ---- queries ----

    /** Every known container, sorted by namespace, pod and name. */
    public List<Container> all() {
        return byId.values().stream()
                .sorted(Comparator.comparing(Container::namespace).thenComparing(Container::podName).thenComparing(Container::name)
                        .thenComparing(Container::id))
                .toList();
    }

    public Optional<Container> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Optional<Container> byMntns(long mntnsInode) {
        return Optional.ofNullable(byMntns.get(mntnsInode));
    }

    /** A container in that network namespace (containers of one pod share it: any of them). */
    public Optional<Container> byNetns(long netnsInode) {
        return byId.values().stream().filter(c -> c.netns() == netnsInode).min(Comparator.comparing(Container::id));
    }

    /** The host's mount namespace (PID 1's): processes in it are outside any container ({@code --host}). */
    public long hostMntns() {
        return hostMntns;
    }

    public List<Container> select(ContainerSelector selector) {
        return all().stream().filter(selector::matches).toList();
    }

    /** The runtimes in use and whether each answers, e.g. {@code containerd at /run/containerd/containerd.sock: up}. */
    public List<String> runtimeStatus() {
        return runtimes.stream().map(r -> r.client.name() + " at " + r.client.endpoint().socket() + ": " + (r.up ? "up" : "down")).toList();
    }

    /**
     * The container of an event whose mount namespace is not known yet (a container that started a moment ago):
     * finds its container ID from /proc/&lt;pid&gt;/cgroup and asks the runtimes right away (bounded by their
     * deadlines, a few ms normally). Empty for host processes and processes that are already gone.
     */
    public Optional<Container> resolve(long mntns, int pid) {
        var known = byMntns(mntns);
        if (known.isPresent() || mntns == hostMntns) return known;
        // the PID may already belong to another process (PIDs wrap quickly): only trust it while its mntns matches
        if (proc.mntns(pid).orElse(-1) != mntns) return Optional.empty();
        var path = CgroupPaths.containerPath(proc.cgroupLines(pid));
        var id = CgroupPaths.containerId(path);
        if (id.isEmpty()) return Optional.empty();
        var byItsId = byId.get(id.get());
        if (byItsId != null && !byItsId.runtime().equals(ProcDiscovery.RUNTIME)) return Optional.of(byItsId);
        var found = inspect(id.get());
        Container c;
        if (found instanceof Lookup.Found(var meta)) {
            var initPid = meta.pid() > 0 ? meta.pid() : pid;
            var netns = proc.netns(initPid).orElse(proc.netns(pid).orElse(0));
            c = meta.withProcess(initPid, meta.pid() > 0 ? proc.mntns(initPid).orElse(mntns) : mntns, netns, path);
        } else if (found instanceof Lookup.Unavailable && options.procFallback()) {
            c = procDiscovery.ofProcess(pid).orElse(null);
        } else {
            return Optional.empty();
        }
        if (c == null) return Optional.empty();
        add(withNode(c));
        return Optional.of(byId.getOrDefault(c.id(), c));
    }

    public void addListener(ContainerListener listener) {
        listeners.add(listener);
    }

    /**
     * Tells {@code listener} about the containers {@code selector} matches: first those running now (as {@code added}),
     * then every change, with no gap between the two. What a kernel filter map of allowed mount namespaces needs.
     * Returns the registered listener, for {@link #removeListener}.
     */
    public ContainerListener follow(ContainerSelector selector, ContainerListener listener) {
        var filtered = new ContainerListener() {
            @Override
            public void added(Container c) {
                if (selector.matches(c)) listener.added(c);
            }

            @Override
            public void removed(Container c) {
                if (selector.matches(c)) listener.removed(c);
            }
        };
        // under the lock add() and remove() update the maps with: a container changing meanwhile is either in the
        // snapshot or announced to the listener afterwards (possibly both: added() is idempotent for its users)
        List<Container> now;
        synchronized (this) {
            listeners.add(filtered);
            now = select(selector);
        }
        for (var c : now) listener.added(c);
        return filtered;
    }

    public void removeListener(ContainerListener listener) {
        listeners.remove(listener);
    }

    // ---- discovery ----

    private sealed interface Lookup {
        record Found(Container container) implements Lookup {
        }

        record NotFound() implements Lookup {
        }

        record Unavailable() implements Lookup {
        }
    }

    /** Asks every runtime that answers; Unavailable when none could be asked. */
    private Lookup inspect(String id) {
        boolean asked = false;
        for (var r : runtimes) {
            if (!r.up) continue;
            try {
                var c = r.client.inspect(id);
                asked = true;
                if (c.isPresent()) return new Lookup.Found(c.get());
            } catch (RuntimeUnavailableException e) {
                markDown(r, e);
            }
        }
        return asked ? new Lookup.NotFound() : new Lookup.Unavailable();
    }

    /** A container ID showed up (cgroup directory, runtime event, listing): learn its metadata, PID and namespaces. */
    private void discover(String id, Path cgroupDir, int attempt) {
        var existing = byId.get(id);
        if (existing != null && !existing.runtime().equals(ProcDiscovery.RUNTIME)) return;
        if (notContainers.contains(id)) return;
        switch (inspect(id)) {
            case Lookup.Found(var meta) -> {
                var pid = meta.pid() > 0 ? meta.pid() : initPidFromCgroup(id, cgroupDir);
                var mntns = pid > 0 ? proc.mntns(pid) : java.util.OptionalLong.empty();
                var path = pid > 0 ? CgroupPaths.containerPath(proc.cgroupLines(pid)) : "";
                // the PID must still be in the container's cgroup: runc's setup processes come and go, PIDs get reused
                if (mntns.isPresent() && mntns.getAsLong() != hostMntns && path.contains(id)) {
                    add(withNode(meta.withProcess(pid, mntns.getAsLong(), proc.netns(pid).orElse(0), path)));
                } else {
                    retry(id, cgroupDir, attempt);
                }
            }
            case Lookup.NotFound() -> {
                // a runtime may learn about its container a moment after creating the cgroup: ask a few times
                if (attempt < 3) retry(id, cgroupDir, attempt);
                else notContainers.add(id);
            }
            case Lookup.Unavailable() -> {
                if (!options.procFallback()) return;
                var pid = initPidFromCgroup(id, cgroupDir);
                var c = pid > 0 ? procDiscovery.ofProcess(pid) : Optional.<Container>empty();
                if (c.isPresent() && c.get().mntns() != hostMntns) add(withNode(c.get()));
                else retry(id, cgroupDir, attempt);
            }
        }
    }

    /** A failure in one task must not stop the worker's periodic re-listing (an executor drops a task that threw). */
    private void guarded(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            options.warnings().accept(what + " failed: " + e);
        }
    }

    private void retry(String id, Path cgroupDir, int attempt) {
        if (attempt < RETRY_MS.length) {
            worker.schedule(() -> guarded("looking up container " + id, () -> discover(id, cgroupDir, attempt + 1)),
                    RETRY_MS[attempt], TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The container's first process from its cgroup: runc puts its init there before the entrypoint runs, already in
     * the container's namespaces. Processes still in the host's mount namespace are runc's setup stages.
     */
    private int initPidFromCgroup(String id, Path cgroupDir) {
        var dir = cgroupDir;
        if (dir == null) {
            var known = byId.get(id);
            if (known == null || cgroupHierarchy == null || known.cgroupPath().isEmpty()) return 0;
            dir = cgroupHierarchy.resolve(known.cgroupPath().substring(1));
        }
        try {
            var pids = Files.readAllLines(dir.resolve("cgroup.procs")).stream().map(String::strip).filter(s -> !s.isEmpty())
                    .map(Integer::parseInt).sorted().toList();
            for (var pid : pids) {
                var comm = proc.comm(pid);
                if (comm.startsWith("runc:[0") || comm.startsWith("runc:[1")) continue; // runc's setup stages
                var ns = proc.mntns(pid);
                if (ns.isPresent() && ns.getAsLong() != hostMntns && ns.getAsLong() != selfMntns) return pid;
            }
        } catch (IOException | NumberFormatException e) {
            // cgroup gone: the container exited
        }
        return 0;
    }

    /** A container's cgroup went away or its runtime said it died: drop it once nothing says it still runs. */
    private void checkGone(String id) {
        var c = byId.get(id);
        if (c == null) return;
        var alive = proc.mntns(c.pid()).orElse(-1) == c.mntns();
        if (alive) {
            var r = runtimeOf(c);
            if (r == null || !r.up) return; // can't ask: keep it, the process still lives
            try {
                if (r.client.inspect(id).map(x -> x.pid() == 0 || x.pid() == c.pid()).orElse(false)) return;
            } catch (RuntimeUnavailableException e) {
                markDown(r, e);
                return;
            }
        }
        remove(id);
    }

    private Runtime runtimeOf(Container c) {
        for (var r : runtimes) if (r.client.name().equals(c.runtime())) return r;
        return null;
    }

    /** Re-lists every runtime (and /proc when none answers): adds what is new, drops what is gone. */
    private void resync() {
        boolean anyUp = false;
        for (var r : runtimes) {
            Set<String> running;
            try {
                running = r.client.runningIds();
            } catch (RuntimeUnavailableException e) {
                markDown(r, e);
                continue;
            }
            anyUp = true;
            if (!r.up) {
                r.up = true;
                if (r.warned) options.warnings().accept(r.client.name() + " at " + r.client.endpoint().socket() + " answers again: re-listing its containers");
                r.warned = false;
            }
            for (var id : running) discover(id, null, RETRY_MS.length - 3);
            for (var c : List.copyOf(byId.values())) {
                if (c.runtime().equals(r.client.name()) && !running.contains(c.id())) checkGone(c.id());
            }
        }
        if (!anyUp && options.procFallback()) {
            if (!fallbackWarned) {
                fallbackWarned = true;
                options.warnings().accept(runtimes.isEmpty()
                        ? "no container runtime socket found (" + defaultSockets() + "): containers are found from /proc and cgroups,"
                        + " without names, images or labels (start the runtime, or name its socket with --runtimes/--containerd-socket/...)"
                        : "no container runtime answers: containers are found from /proc and cgroups, without names, images or labels");
            }
            var scanned = procDiscovery.scan();
            scanned.values().forEach(c -> {
                var known = byId.get(c.id());
                if (known == null && c.mntns() != hostMntns) add(withNode(c));
            });
            for (var c : List.copyOf(byId.values())) {
                if (c.runtime().equals(ProcDiscovery.RUNTIME) && !scanned.containsKey(c.id())) remove(c.id());
            }
        }
        if (kubernetes != null && kubernetes.answering()) {
            for (var c : byId.values()) {
                if (c.inPod() && c.owner() == null && !enriched.contains(c.id())) enrichment.execute(() -> enrich(c));
            }
        }
        if (notContainers.size() > 10_000) notContainers.clear(); // sandbox IDs of a long run: forget, re-ask
        // a runtime is back: containers found from /proc while it was away get their names now
        if (anyUp) {
            for (var c : List.copyOf(byId.values())) {
                if (c.runtime().equals(ProcDiscovery.RUNTIME)) {
                    var found = inspect(c.id());
                    if (found instanceof Lookup.Found) {
                        discover(c.id(), null, 0);
                    } else if (proc.mntns(c.pid()).orElse(-1) != c.mntns()
                            || (found instanceof Lookup.NotFound && runtimes.stream().allMatch(r -> r.up))) {
                        remove(c.id()); // gone, or every runtime says it is no container of theirs (a pod sandbox)
                        if (found instanceof Lookup.NotFound) notContainers.add(c.id());
                    }
                }
            }
        }
    }

    private static String defaultSockets() {
        return String.join(", ", java.util.Arrays.stream(RuntimeKind.values()).map(k -> k.defaultSocket().toString()).toList());
    }

    private void markDown(Runtime r, RuntimeUnavailableException e) {
        r.up = false;
        warnDown(r, e);
    }

    private void warnDown(Runtime r, RuntimeUnavailableException e) {
        if (r.warned) return;
        r.warned = true;
        long kept = byId.values().stream().filter(c -> c.runtime().equals(r.client.name())).count();
        options.warnings().accept(r.client.name() + " at " + r.client.endpoint().socket() + " does not answer (" + e.getMessage() + "); "
                + (kept > 0 ? "keeping the " + kept + " containers known from it, " : "") + "retrying every "
                + options.resync().toMillis() + " ms");
    }

    // ---- state ----

    private Container withNode(Container c) {
        return c.node().isEmpty() ? new Container(c.runtime(), c.id(), c.name(), c.image(), c.podName(), c.namespace(), c.podUid(),
                c.labels(), c.pid(), c.mntns(), c.netns(), c.cgroupPath(), c.owner(), nodeName) : c;
    }

    private void add(Container c) {
        Container old;
        synchronized (this) {
            old = byId.put(c.id(), c);
            if (old != null && old.mntns() != c.mntns()) byMntns.remove(old.mntns(), old);
            byMntns.put(c.mntns(), c);
        }
        if (c.equals(old)) return;
        for (var l : listeners) {
            try {
                l.added(c);
            } catch (RuntimeException e) {
                options.warnings().accept("container listener failed on " + c.shortId() + ": " + e);
            }
        }
        if (kubernetes != null && c.inPod() && c.owner() == null) enrichment.execute(() -> enrich(c));
    }

    private void enrich(Container c) {
        var pod = kubernetes.pod(c);
        if (kubernetes.answering()) enriched.add(c.id()); // else: retried by resync once the API is back
        if (pod.isEmpty()) return;
        var p = pod.get();
        var labels = new HashMap<>(p.labels());
        labels.putAll(c.labels());
        var enriched = c.withKubernetes(c.podName().isEmpty() ? p.name() : c.podName(),
                c.namespace().isEmpty() ? p.namespace() : c.namespace(), labels, p.owner(), p.node() == null ? c.node() : p.node());
        worker.execute(() -> {
            if (c.equals(byId.get(c.id()))) add(enriched);
        });
    }

    private void remove(String id) {
        Container old;
        synchronized (this) {
            old = byId.remove(id);
            if (old != null) byMntns.remove(old.mntns(), old);
            enriched.remove(id);
        }
        if (old == null) return;
        for (var l : listeners) {
            try {
                l.removed(old);
            } catch (RuntimeException e) {
                options.warnings().accept("container listener failed on " + old.shortId() + ": " + e);
            }
        }
    }

    private static String defaultNodeName() {
        var env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank()) return env;
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        if (cgroupWatcher != null) cgroupWatcher.close();
        worker.shutdownNow();
        if (enrichment != null) enrichment.shutdownNow();
        for (var r : runtimes) r.client.close();
        if (kubernetes != null) kubernetes.close();
    }
}
