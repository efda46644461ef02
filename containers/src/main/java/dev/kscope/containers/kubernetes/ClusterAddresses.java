package dev.kscope.containers.kubernetes;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static dev.kscope.containers.kubernetes.JsonTree.at;
import static dev.kscope.containers.kubernetes.JsonTree.array;
import static dev.kscope.containers.kubernetes.JsonTree.text;
import static dev.kscope.containers.kubernetes.JsonTree.texts;

/**
 * What the cluster calls an IP address, from Services, EndpointSlices and Pods in every namespace: a Service's
 * ClusterIP names the service (and, per port, the service port's name); a pod IP names its pod and the services whose
 * endpoint slices list it. Live ({@link #start}), informers keep it current (watches, not polling); for a capture file
 * ({@link #list}) the objects are listed once, in the background. Needs list (and, live, watch) on services,
 * endpointslices (discovery.k8s.io) and pods; whatever is forbidden or unreachable is one warning, the rest still
 * names what it can, and the informers keep retrying with back-off, so names appear once the API answers.
 */
public final class ClusterAddresses implements AutoCloseable {
    /** A service and its ports: port number (the service port for a ClusterIP, the target port for a pod) to port name. */
    public record ServicePorts(String name, Map<Integer, String> ports) {
    }

    /**
     * What an address is. A ClusterIP: {@code pod} is null and {@code services} holds that one service. A pod IP: the
     * pod, and the services selecting it, those with a ClusterIP first (then headless ones), by name.
     */
    public record Named(String namespace, String pod, List<ServicePorts> services) {
    }

    private record ServiceEntry(String namespace, String name, boolean headless, Map<Integer, String> ports, List<String> ips) {
    }

    private record SliceEntry(String namespace, String service, Map<Integer, String> ports, Map<String, String> podByIp) {
    }

    private record PodEntry(String namespace, String name, List<String> ips) {
    }

    /** A resource naming reads, and where the API serves it. */
    private enum Kind {
        SERVICES("services", "", "v1", "Service"),
        ENDPOINTSLICES("endpointslices", "discovery.k8s.io", "v1", "EndpointSlice"),
        PODS("pods", "", "v1", "Pod");

        final String resource;
        final ResourceDefinitionContext context;

        Kind(String resource, String group, String version, String kind) {
            this.resource = resource;
            this.context = new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withPlural(resource)
                    .withKind(kind).withNamespaced(true).build();
        }

        /** The path listing it in every namespace, relative to the API's root. */
        String path() {
            return (context.getGroup().isEmpty() ? "api/" : "apis/" + context.getGroup() + "/") + context.getVersion() + "/" + resource;
        }
    }

    /**
     * What naming reads of an object: its name, namespace and labels, and its JSON as maps and lists (spec, status,
     * ports, endpoints). Read as plain JSON, not as fabric8's typed model: the model's classes cost more CPU to load
     * than a cluster's objects cost to decode.
     */
    private record Item(String namespace, String name, Map<String, String> labels, Map<String, Object> body) {
        static Item of(GenericKubernetesResource r) {
            var meta = r.getMetadata();
            return new Item(meta.getNamespace(), meta.getName(), meta.getLabels(), r.getAdditionalProperties());
        }

        @SuppressWarnings("unchecked")
        static Item of(Map<String, Object> json) {
            var labels = at(json, "metadata", "labels") instanceof Map<?, ?> m ? (Map<String, String>) m : null;
            return new Item(text(at(json, "metadata", "namespace")), text(at(json, "metadata", "name")), labels, json);
        }

        String key() {
            return namespace + "/" + name;
        }
    }

    private static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** Lists come in pages of this many objects: a cluster's worth of pods is never one response in memory. */
    private static final long PAGE = 500;
    private static final JsonFactory JSON = new JsonFactory();
    /** Lookups stop waiting for the lists after their wait; the lists may still come in later and name later calls. */
    private static final Duration PAGE_TIMEOUT = Duration.ofMinutes(1);

    /** Live: the client the informers watch with. Null when listing once, which needs only an HTTP client. */
    private final KubernetesClient client;
    private volatile ApiGets http;
    private volatile String apiUrl;
    private final boolean ownsClient;
    private final Consumer<String> warnings;
    /** Live: informers keep the index current. Otherwise the objects are listed once, in the background. */
    private final boolean watching;
    private final Map<Kind, SharedIndexInformer<GenericKubernetesResource>> informers = new EnumMap<>(Kind.class);
    private ScheduledExecutorService watchdog;
    private int watchesDownFor;
    private final AtomicLong generation = new AtomicLong();
    private final AtomicBoolean warned = new AtomicBoolean();
    private final Map<Kind, Throwable> startupFailures = new ConcurrentHashMap<>();
    private volatile boolean started;
    private final CountDownLatch listed = new CountDownLatch(1);
    private volatile long listDeadline;
    private Duration listWait;
    private Thread lister;
    private volatile boolean closed;

    // guarded by this
    private final Map<String, ServiceEntry> services = new HashMap<>();
    private final Map<String, String> serviceByIp = new HashMap<>();
    private final Map<String, SliceEntry> slices = new HashMap<>();
    private final Map<String, Set<String>> slicesByIp = new HashMap<>();
    private final Map<String, PodEntry> pods = new HashMap<>();
    private final Map<String, String> podByIp = new HashMap<>();

    private ClusterAddresses(KubernetesClient client, String apiUrl, boolean ownsClient, boolean watching, Consumer<String> warnings) {
        this.client = client;
        this.apiUrl = apiUrl;
        this.ownsClient = ownsClient;
        this.watching = watching;
        this.warnings = warnings;
        if (watching) listed.countDown(); // informers: start() waits for the lists itself
    }

    /**
     * Starts watching and waits (at most {@code startupWait}) until each resource is listed or has failed once, so that
     * what is captured from now on is named. {@code ownsClient}: close the client with this index.
     */
    public static ClusterAddresses start(KubernetesClient client, boolean ownsClient, Duration startupWait, Consumer<String> warnings) {
        var index = new ClusterAddresses(client, client.getMasterUrl().toString(), ownsClient, true, warnings);
        var settled = new CountDownLatch(Kind.values().length);
        for (var kind : Kind.values()) index.watch(kind, settled);
        try {
            if (!settled.await(startupWait.toMillis(), TimeUnit.MILLISECONDS) && index.startupFailures.isEmpty()) {
                index.warnOnce("Kubernetes API at " + index.apiUrl + " did not list services, endpointslices and pods within "
                        + startupWait.toSeconds() + " s: calls are named as the answers come in");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        index.started = true;
        index.reportStartupFailures();
        // an API server that goes away later only shows as watches that stay closed (the informers reconnect quietly)
        index.watchdog = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("kscope-cluster-watchdog").unstarted(r));
        index.watchdog.scheduleWithFixedDelay(index::checkWatches, 2, 2, TimeUnit.SECONDS);
        return index;
    }

    /**
     * The cluster as it is now, for a capture file (which does not change, so nothing is watched): services,
     * endpointslices and pods are listed once, on a background thread, while the caller goes on (e.g. dissecting);
     * the first {@link #lookup} waits for the lists, at most {@code wait} from now. Names are the cluster's at the
     * time of the run, not at the time of the capture. The connection is made on the background thread too.
     */
    public static ClusterAddresses list(ClusterAccess access, Duration wait, Consumer<String> warnings) {
        var index = new ClusterAddresses(null, null, true, false, warnings);
        index.listWait = wait;
        index.listDeadline = System.nanoTime() + wait.toNanos();
        index.lister = Thread.ofPlatform().daemon().name("kscope-cluster-list").start(() -> {
            try {
                index.listAll(access);
            } catch (InterruptedException closing) {
                return;
            }
            index.started = true;
            if (!index.closed) index.reportStartupFailures();
            index.listed.countDown();
        });
        return index;
    }

    private void listAll(ClusterAccess access) throws InterruptedException {
        try {
            http = access.gets();
            apiUrl = http.url();
        } catch (Exception e) {
            warnOnce("cannot use the kubeconfig's settings (" + KubernetesClients.rootMessage(e)
                    + "): service names and pods of other nodes are off (check the files the kubeconfig names)");
            return;
        }
        if (closed) {
            http.close();
            return;
        }
        for (var kind : Kind.values()) {
            try {
                listAll(kind);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                startupFailures.putIfAbsent(kind, e);
            }
        }
    }

    private void listAll(Kind kind) throws Exception {
        String next = null;
        do {
            var url = kind.path() + "?limit=" + PAGE
                    + (next == null ? "" : "&continue=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
            var response = http.get(url, PAGE_TIMEOUT);
            try (var body = response.body(); var parser = JSON.createParser(body)) {
                if (response.code() != 200) throw failure(response.code(), parser);
                var page = JsonTree.read(parser);
                for (var item : array(at(page, "items"))) {
                    if (item instanceof Map<?, ?> m) put(kind, Item.of(cast(m)));
                }
                next = text(at(page, "metadata", "continue"));
            }
        } while (next != null && !next.isEmpty());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    /** The API server's refusal as fabric8 reports it (status code, reason, message), for the warning. */
    private static KubernetesClientException failure(int code, JsonParser body) {
        Object status;
        try {
            status = JsonTree.read(body);
        } catch (IOException notAStatus) {
            status = null;
        }
        return new KubernetesClientException(new StatusBuilder().withCode(code).withReason(text(at(status, "reason")))
                .withMessage(text(at(status, "message"))).build());
    }

    /** Until the lists are in (or their time is up), when the index is listed rather than watched. */
    private void awaitListed() {
        if (listed.getCount() == 0) return;
        try {
            long left = listDeadline - System.nanoTime();
            if (left > 0 && listed.await(left, TimeUnit.NANOSECONDS)) return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (startupFailures.isEmpty() && !closed) {
            warnOnce("Kubernetes API" + (apiUrl == null ? "" : " at " + apiUrl) + " did not list services, endpointslices and pods within "
                    + listWait.toSeconds() + " s: calls are named as the answers come in");
        }
    }

    private void watch(Kind kind, CountDownLatch settled) {
        var informer = client.genericKubernetesResources(kind.context).inAnyNamespace().withLimit(PAGE).runnableInformer(0);
        var once = new AtomicBoolean();
        Runnable settle = () -> {
            if (once.compareAndSet(false, true)) settled.countDown();
        };
        if (kind == Kind.PODS) {
            // pods are big and many: keep only what naming needs in the informer's cache
            informer.itemStore(new BasicItemStore<GenericKubernetesResource>(Cache::metaNamespaceKeyFunc) {
                @Override
                public GenericKubernetesResource put(String key, GenericKubernetesResource obj) {
                    return super.put(key, slimPod(obj));
                }
            });
        }
        informer.exceptionHandler((isStarted, t) -> {
            if (!started) startupFailures.putIfAbsent(kind, t);
            else warnOnce("Kubernetes API at " + apiUrl + " stopped answering (" + kind.resource + ": "
                    + cause(t) + "): names stay as last seen until it is back");
            settle.run();
            return !closed; // keep retrying, with the informer's back-off, until the index is closed
        });
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                put(kind, Item.of(obj));
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                put(kind, Item.of(newObj));
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                remove(kind, Item.of(obj));
            }
        });
        informer.start().whenComplete((ok, failure) -> settle.run());
        informers.put(kind, informer);
    }

    private void checkWatches() {
        var down = informers.entrySet().stream().filter(e -> !e.getValue().isWatching()).map(e -> e.getKey().resource).toList();
        watchesDownFor = down.isEmpty() ? 0 : watchesDownFor + 1;
        if (watchesDownFor == 2) {
            warnOnce("Kubernetes API at " + apiUrl + " stopped answering (the watch on " + String.join(", ", down)
                    + " is closed and does not reopen): names stay as last seen until it is back");
        }
    }

    private void reportStartupFailures() {
        if (startupFailures.isEmpty()) return;
        var failed = Arrays.stream(Kind.values()).filter(startupFailures::containsKey).toList();
        var first = startupFailures.get(failed.getFirst());
        var what = failed.contains(Kind.PODS) && failed.size() == Kind.values().length ? "service names and pods of other nodes are off, pods of this node are still named"
                : failed.contains(Kind.PODS) ? "pods of other nodes are named only when a service selects them"
                : "service names are off";
        var verbs = watching ? "list and watch" : "list";
        var api = apiError(first);
        var fix = switch (api == null ? 0 : api.getCode()) {
            case 401 -> "refresh the credentials in your kubeconfig";
            case 403 -> "grant " + verbs + " on services, endpointslices.discovery.k8s.io and pods, see docs/traffic.md";
            default -> "check that the cluster is up and --kubeconfig/--context point at it, or pass --no-kubernetes";
        };
        warnOnce("Kubernetes API at " + apiUrl + ": cannot " + verbs.replace(" and ", "/") + " "
                + String.join(", ", failed.stream().map(k -> k.resource).toList()) + " (" + cause(first) + "): " + what + " (" + fix + ")");
    }

    /** The API server's answer inside a failure (it comes wrapped), or null when there was none. */
    private static KubernetesClientException apiError(Throwable t) {
        for (var c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof KubernetesClientException k && k.getCode() > 0) return k;
        }
        return null;
    }

    private static String cause(Throwable t) {
        if (apiError(t) instanceof KubernetesClientException k) {
            var status = k.getStatus();
            var reason = status != null && status.getReason() != null ? status.getReason() : "HTTP";
            return reason + " " + k.getCode() + (status != null && status.getMessage() != null ? ": " + status.getMessage() : "");
        }
        if (KubernetesClients.root(t) instanceof java.util.concurrent.TimeoutException) return "request timed out";
        return KubernetesClients.rootMessage(t);
    }

    private void warnOnce(String warning) {
        if (warned.compareAndSet(false, true)) warnings.accept(warning);
    }

    /** Increases with every change: an answer given before may be stale once it has moved. */
    public long generation() {
        awaitListed();
        return generation.get();
    }

    /** The service owning this ClusterIP, or the pod with this IP and the services selecting it. */
    public Optional<Named> lookup(String ip) {
        awaitListed();
        return lookupNow(ip);
    }

    private synchronized Optional<Named> lookupNow(String ip) {
        var address = normalize(ip);
        if (address == null) return Optional.empty();
        var serviceKey = serviceByIp.get(address);
        if (serviceKey != null) {
            var s = services.get(serviceKey);
            return Optional.of(new Named(s.namespace(), null, List.of(new ServicePorts(s.name(), s.ports()))));
        }
        var pod = pods.get(podByIp.getOrDefault(address, ""));
        String namespace = pod == null ? null : pod.namespace(), name = pod == null ? null : pod.name();
        var selecting = new TreeMap<String, Map<Integer, String>>();
        for (var sliceKey : slicesByIp.getOrDefault(address, Set.of())) {
            var slice = slices.get(sliceKey);
            if (name == null) {
                name = slice.podByIp().get(address);
                namespace = slice.namespace();
            }
            if (slice.service() != null && (namespace == null || namespace.equals(slice.namespace()))) {
                selecting.computeIfAbsent(slice.service(), k -> new TreeMap<>()).putAll(slice.ports());
            }
        }
        if (name == null && selecting.isEmpty()) return Optional.empty();
        var ns = namespace;
        var list = new ArrayList<ServicePorts>();
        selecting.forEach((service, ports) -> list.add(new ServicePorts(service, Map.copyOf(ports))));
        list.sort(Comparator.comparing((ServicePorts sp) -> headless(ns, sp.name())));
        return Optional.of(new Named(namespace, name, List.copyOf(list)));
    }

    private boolean headless(String namespace, String service) {
        var s = services.get(namespace + "/" + service);
        return s == null || s.headless();
    }

    private void put(Kind kind, Item item) {
        switch (kind) {
            case SERVICES -> putService(item);
            case ENDPOINTSLICES -> putSlice(item);
            case PODS -> putPod(item);
        }
    }

    private void remove(Kind kind, Item item) {
        switch (kind) {
            case SERVICES -> removeService(item);
            case ENDPOINTSLICES -> removeSlice(item);
            case PODS -> removePod(item);
        }
    }

    private synchronized void putService(Item s) {
        var spec = s.body().get("spec");
        if (!(spec instanceof Map)) {
            removeService(s);
            return;
        }
        var clusterIps = texts(array(at(spec, "clusterIPs")));
        if (clusterIps.isEmpty() && text(at(spec, "clusterIP")) != null) clusterIps = List.of(text(at(spec, "clusterIP")));
        var ips = new ArrayList<String>();
        for (var ip : clusterIps) if (!"None".equals(ip)) ips.add(ip);
        ips.addAll(texts(array(at(spec, "externalIPs"))));
        for (var ingress : array(at(s.body(), "status", "loadBalancer", "ingress"))) if (text(at(ingress, "ip")) != null) ips.add(text(at(ingress, "ip")));
        var normalized = ips.stream().map(ClusterAddresses::normalize).filter(ip -> ip != null).toList();
        var entry = new ServiceEntry(s.namespace(), s.name(), clusterIps.stream().allMatch("None"::equals), ports(array(at(spec, "ports"))), normalized);
        if (entry.equals(services.get(s.key()))) return; // most updates change nothing naming uses: keep the analyzer's cache
        removeService(s);
        services.put(s.key(), entry);
        for (var ip : normalized) serviceByIp.put(ip, s.key());
        generation.incrementAndGet();
    }

    private synchronized void removeService(Item s) {
        var old = services.remove(s.key());
        if (old == null) return;
        for (var ip : old.ips()) serviceByIp.remove(ip, s.key());
        generation.incrementAndGet();
    }

    private synchronized void putSlice(Item slice) {
        var service = slice.labels() == null ? null : slice.labels().get(SERVICE_NAME_LABEL);
        var podByIp = new HashMap<String, String>();
        for (var e : array(slice.body().get("endpoints"))) {
            var pod = "Pod".equals(text(at(e, "targetRef", "kind"))) ? text(at(e, "targetRef", "name")) : null;
            for (var ip : texts(array(at(e, "addresses")))) {
                var address = normalize(ip);
                if (address != null) podByIp.put(address, pod);
            }
        }
        var entry = new SliceEntry(slice.namespace(), service, ports(array(slice.body().get("ports"))), podByIp);
        if (entry.equals(slices.get(slice.key()))) return;
        removeSlice(slice);
        slices.put(slice.key(), entry);
        for (var ip : podByIp.keySet()) slicesByIp.computeIfAbsent(ip, k -> new HashSet<>()).add(slice.key());
        generation.incrementAndGet();
    }

    private synchronized void removeSlice(Item slice) {
        var old = slices.remove(slice.key());
        if (old == null) return;
        for (var ip : old.podByIp().keySet()) {
            var keys = slicesByIp.get(ip);
            if (keys != null && keys.remove(slice.key()) && keys.isEmpty()) slicesByIp.remove(ip);
        }
        generation.incrementAndGet();
    }

    private synchronized void putPod(Item pod) {
        var status = pod.body().get("status");
        var phase = text(at(status, "phase"));
        // host-network pods share the node's address, and finished pods' addresses go to new pods
        if (!(status instanceof Map) || Boolean.TRUE.equals(at(pod.body(), "spec", "hostNetwork")) || "Succeeded".equals(phase) || "Failed".equals(phase)) {
            removePod(pod);
            return;
        }
        var ips = new ArrayList<String>();
        for (var ip : array(at(status, "podIPs"))) if (text(at(ip, "ip")) != null) ips.add(normalize(text(at(ip, "ip"))));
        if (ips.isEmpty() && text(at(status, "podIP")) != null) ips.add(normalize(text(at(status, "podIP"))));
        ips.removeIf(ip -> ip == null);
        var entry = new PodEntry(pod.namespace(), pod.name(), List.copyOf(ips));
        if (entry.equals(pods.get(pod.key()))) return;
        removePod(pod);
        if (ips.isEmpty()) return;
        pods.put(pod.key(), entry);
        for (var ip : ips) podByIp.put(ip, pod.key());
        generation.incrementAndGet();
    }

    private synchronized void removePod(Item pod) {
        var old = pods.remove(pod.key());
        if (old == null) return;
        for (var ip : old.ips()) podByIp.remove(ip, pod.key());
        generation.incrementAndGet();
    }

    /** A service's or an endpoint slice's ports: number to name ("" when unnamed). */
    private static Map<Integer, String> ports(List<?> ports) {
        var result = new LinkedHashMap<Integer, String>();
        for (var p : ports) {
            if (at(p, "port") instanceof Number n) result.put(n.intValue(), text(at(p, "name")) == null ? "" : text(at(p, "name")));
        }
        return Map.copyOf(result);
    }

    /** The part of a pod naming needs. */
    private static GenericKubernetesResource slimPod(GenericKubernetesResource pod) {
        var meta = pod.getMetadata();
        var slim = new GenericKubernetesResource();
        slim.setApiVersion(pod.getApiVersion());
        slim.setKind(pod.getKind());
        slim.setMetadata(new ObjectMetaBuilder().withName(meta.getName()).withNamespace(meta.getNamespace()).withUid(meta.getUid())
                .withResourceVersion(meta.getResourceVersion()).build());
        slim.setAdditionalProperty("spec", pick(pod.getAdditionalProperties().get("spec"), "hostNetwork", "nodeName"));
        slim.setAdditionalProperty("status", pick(pod.getAdditionalProperties().get("status"), "phase", "podIP", "podIPs"));
        return slim;
    }

    private static Map<String, Object> pick(Object node, String... keys) {
        if (!(node instanceof Map<?, ?> map)) return null;
        var result = new HashMap<String, Object>();
        for (var k : keys) if (map.get(k) != null) result.put(k, map.get(k));
        return result;
    }

    /** One spelling per address (IPv6 has many), the one the traffic analyzer's lookups use too. */
    static String normalize(String ip) {
        try {
            return InetAddress.ofLiteral(ip).getHostAddress();
        } catch (IllegalArgumentException | NullPointerException notAnAddress) {
            return null;
        }
    }

    @Override
    public void close() {
        awaitListed(); // a file with nothing to name still gets its one warning when the API did not answer
        closed = true;
        if (lister != null) lister.interrupt();
        if (watchdog != null) watchdog.shutdownNow();
        for (var informer : informers.values()) informer.stop();
        for (var informer : informers.values()) { // closed means done: no list or watch of ours outlives this call
            try {
                informer.stopped().toCompletableFuture().get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // stopped with an error, or slowly: it is stopping either way
            }
        }
        if (http != null) http.close();
        if (ownsClient && client != null) client.close();
    }
}
