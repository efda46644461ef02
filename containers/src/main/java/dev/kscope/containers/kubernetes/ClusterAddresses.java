package dev.kscope.containers.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What the cluster calls an IP address, kept current by watching (informers, not polling) Services, EndpointSlices
 * and Pods in every namespace: a Service's ClusterIP names the service (and, per port, the service port's name); a
 * pod IP names its pod and the services whose endpoint slices list it. Needs list and watch on services,
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

    private static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** Lists come in pages of this many objects: a cluster's worth of pods is never one response in memory. */
    private static final long PAGE = 500;

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final Consumer<String> warnings;
    private final Map<String, SharedIndexInformer<?>> informers = new LinkedHashMap<>();
    private final java.util.concurrent.ScheduledExecutorService watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("kscope-cluster-watchdog").unstarted(r));
    private int watchesDownFor;
    private final AtomicLong generation = new AtomicLong();
    private final AtomicBoolean warned = new AtomicBoolean();
    private final Map<String, Throwable> startupFailures = new ConcurrentHashMap<>();
    private volatile boolean started;

    // guarded by this
    private final Map<String, ServiceEntry> services = new HashMap<>();
    private final Map<String, String> serviceByIp = new HashMap<>();
    private final Map<String, SliceEntry> slices = new HashMap<>();
    private final Map<String, Set<String>> slicesByIp = new HashMap<>();
    private final Map<String, PodEntry> pods = new HashMap<>();
    private final Map<String, String> podByIp = new HashMap<>();

    private ClusterAddresses(KubernetesClient client, boolean ownsClient, Consumer<String> warnings) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.warnings = warnings;
    }

    /**
     * Starts watching and waits (at most {@code startupWait}) until each resource is listed or has failed once, so that
     * a capture file read right away is named. {@code ownsClient}: close the client with this index.
     */
    public static ClusterAddresses start(KubernetesClient client, boolean ownsClient, Duration startupWait, Consumer<String> warnings) {
        var index = new ClusterAddresses(client, ownsClient, warnings);
        var settled = new CountDownLatch(3);
        index.watch("services", client.services().inAnyNamespace().withLimit(PAGE).runnableInformer(0), settled,
                index::putService, index::removeService, null);
        index.watch("endpointslices", client.discovery().v1().endpointSlices().inAnyNamespace().withLimit(PAGE).runnableInformer(0), settled,
                index::putSlice, index::removeSlice, null);
        index.watch("pods", client.pods().inAnyNamespace().withLimit(PAGE).runnableInformer(0), settled,
                index::putPod, index::removePod, ClusterAddresses::slim);
        try {
            if (!settled.await(startupWait.toMillis(), TimeUnit.MILLISECONDS) && index.startupFailures.isEmpty()) {
                index.warnOnce("Kubernetes API at " + client.getMasterUrl() + " did not list services, endpointslices and pods within "
                        + startupWait.toSeconds() + " s: calls are named as the answers come in");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        index.started = true;
        index.reportStartupFailures();
        // an API server that goes away later only shows as watches that stay closed (the informers reconnect quietly)
        index.watchdog.scheduleWithFixedDelay(index::checkWatches, 2, 2, TimeUnit.SECONDS);
        return index;
    }

    private <T extends HasMetadata> void watch(String resource, SharedIndexInformer<T> informer, CountDownLatch settled,
                                               Consumer<T> put, Consumer<T> remove, java.util.function.UnaryOperator<T> slim) {
        var once = new AtomicBoolean();
        Runnable settle = () -> {
            if (once.compareAndSet(false, true)) settled.countDown();
        };
        if (slim != null) {
            // pods are big and many: keep only what naming needs in the informer's cache
            informer.itemStore(new BasicItemStore<T>(Cache::metaNamespaceKeyFunc) {
                @Override
                public T put(String key, T obj) {
                    return super.put(key, slim.apply(obj));
                }
            });
        }
        informer.exceptionHandler((isStarted, t) -> {
            if (!started) startupFailures.putIfAbsent(resource, t);
            else warnOnce("Kubernetes API at " + client.getMasterUrl() + " stopped answering (" + resource + ": "
                    + cause(t) + "): names stay as last seen until it is back");
            settle.run();
            return true; // keep retrying, with the informer's back-off
        });
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                put.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                put.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                remove.accept(obj);
            }
        });
        informer.start().whenComplete((ok, failure) -> settle.run());
        informers.put(resource, informer);
    }

    private void checkWatches() {
        var down = informers.entrySet().stream().filter(e -> !e.getValue().isWatching()).map(Map.Entry::getKey).toList();
        watchesDownFor = down.isEmpty() ? 0 : watchesDownFor + 1;
        if (watchesDownFor == 2) {
            warnOnce("Kubernetes API at " + client.getMasterUrl() + " stopped answering (the watch on " + String.join(", ", down)
                    + " is closed and does not reopen): names stay as last seen until it is back");
        }
    }

    private void reportStartupFailures() {
        if (startupFailures.isEmpty()) return;
        var resources = new ArrayList<>(List.of("services", "endpointslices", "pods"));
        resources.retainAll(startupFailures.keySet());
        var first = startupFailures.get(resources.getFirst());
        var what = resources.contains("pods") && resources.size() == 3 ? "service names and pods of other nodes are off, pods of this node are still named"
                : resources.contains("pods") ? "pods of other nodes are named only when a service selects them"
                : "service names are off";
        var api = apiError(first);
        var fix = switch (api == null ? 0 : api.getCode()) {
            case 401 -> "refresh the credentials in your kubeconfig";
            case 403 -> "grant list and watch on services, endpointslices.discovery.k8s.io and pods, see docs/traffic.md";
            default -> "check that the cluster is up and --kubeconfig/--context point at it, or pass --no-kubernetes";
        };
        warnOnce("Kubernetes API at " + client.getMasterUrl() + ": cannot list/watch " + String.join(", ", resources) + " ("
                + cause(first) + "): " + what + " (" + fix + ")");
    }

    /** The API server's answer inside an informer's failure (it comes wrapped), or null when there was none. */
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
        return KubernetesClients.rootMessage(t);
    }

    private void warnOnce(String warning) {
        if (warned.compareAndSet(false, true)) warnings.accept(warning);
    }

    /** Increases with every change: an answer given before may be stale once it has moved. */
    public long generation() {
        return generation.get();
    }

    /** The service owning this ClusterIP, or the pod with this IP and the services selecting it. */
    public synchronized Optional<Named> lookup(String ip) {
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

    private synchronized void putService(Service s) {
        var spec = s.getSpec();
        if (spec == null) {
            removeService(s);
            return;
        }
        var ips = new ArrayList<String>();
        var clusterIps = spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty() ? spec.getClusterIPs()
                : spec.getClusterIP() == null ? List.<String>of() : List.of(spec.getClusterIP());
        for (var ip : clusterIps) if (!"None".equals(ip)) ips.add(ip);
        if (spec.getExternalIPs() != null) ips.addAll(spec.getExternalIPs());
        if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null && s.getStatus().getLoadBalancer().getIngress() != null) {
            for (var ingress : s.getStatus().getLoadBalancer().getIngress()) if (ingress.getIp() != null) ips.add(ingress.getIp());
        }
        var ports = new LinkedHashMap<Integer, String>();
        if (spec.getPorts() != null) {
            for (var p : spec.getPorts()) if (p.getPort() != null) ports.put(p.getPort(), p.getName() == null ? "" : p.getName());
        }
        var meta = s.getMetadata();
        var normalized = ips.stream().map(ClusterAddresses::normalize).filter(ip -> ip != null).toList();
        var entry = new ServiceEntry(meta.getNamespace(), meta.getName(), clusterIps.stream().allMatch("None"::equals), Map.copyOf(ports), normalized);
        if (entry.equals(services.get(key(s)))) return; // most updates change nothing naming uses: keep the analyzer's cache
        removeService(s);
        services.put(key(s), entry);
        for (var ip : normalized) serviceByIp.put(ip, key(s));
        generation.incrementAndGet();
    }

    private synchronized void removeService(Service s) {
        var old = services.remove(key(s));
        if (old == null) return;
        for (var ip : old.ips()) serviceByIp.remove(ip, key(s));
        generation.incrementAndGet();
    }

    private synchronized void putSlice(EndpointSlice slice) {
        var meta = slice.getMetadata();
        var service = meta.getLabels() == null ? null : meta.getLabels().get(SERVICE_NAME_LABEL);
        var ports = new LinkedHashMap<Integer, String>();
        if (slice.getPorts() != null) {
            for (var p : slice.getPorts()) if (p.getPort() != null) ports.put(p.getPort(), p.getName() == null ? "" : p.getName());
        }
        var podByIp = new HashMap<String, String>();
        if (slice.getEndpoints() != null) {
            for (var e : slice.getEndpoints()) {
                var ref = e.getTargetRef();
                var pod = ref != null && "Pod".equals(ref.getKind()) ? ref.getName() : null;
                if (e.getAddresses() == null) continue;
                for (var ip : e.getAddresses()) {
                    var address = normalize(ip);
                    if (address != null) podByIp.put(address, pod);
                }
            }
        }
        var entry = new SliceEntry(meta.getNamespace(), service, Map.copyOf(ports), podByIp);
        if (entry.equals(slices.get(key(slice)))) return;
        removeSlice(slice);
        slices.put(key(slice), entry);
        for (var ip : podByIp.keySet()) slicesByIp.computeIfAbsent(ip, k -> new HashSet<>()).add(key(slice));
        generation.incrementAndGet();
    }

    private synchronized void removeSlice(EndpointSlice slice) {
        var old = slices.remove(key(slice));
        if (old == null) return;
        for (var ip : old.podByIp().keySet()) {
            var keys = slicesByIp.get(ip);
            if (keys != null && keys.remove(key(slice)) && keys.isEmpty()) slicesByIp.remove(ip);
        }
        generation.incrementAndGet();
    }

    private synchronized void putPod(Pod pod) {
        var status = pod.getStatus();
        // host-network pods share the node's address, and finished pods' addresses go to new pods
        if (status == null || (pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork()))
                || "Succeeded".equals(status.getPhase()) || "Failed".equals(status.getPhase())) {
            removePod(pod);
            return;
        }
        var ips = new ArrayList<String>();
        if (status.getPodIPs() != null) for (var ip : status.getPodIPs()) if (ip.getIp() != null) ips.add(normalize(ip.getIp()));
        if (ips.isEmpty() && status.getPodIP() != null) ips.add(normalize(status.getPodIP()));
        ips.removeIf(ip -> ip == null);
        var entry = new PodEntry(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), List.copyOf(ips));
        if (entry.equals(pods.get(key(pod)))) return;
        removePod(pod);
        if (ips.isEmpty()) return;
        pods.put(key(pod), entry);
        for (var ip : ips) podByIp.put(ip, key(pod));
        generation.incrementAndGet();
    }

    private synchronized void removePod(Pod pod) {
        var old = pods.remove(key(pod));
        if (old == null) return;
        for (var ip : old.ips()) podByIp.remove(ip, key(pod));
        generation.incrementAndGet();
    }

    /** The part of a pod naming needs. */
    private static Pod slim(Pod pod) {
        var meta = pod.getMetadata();
        var b = new PodBuilder().withNewMetadata().withName(meta.getName()).withNamespace(meta.getNamespace()).withUid(meta.getUid())
                .withResourceVersion(meta.getResourceVersion()).endMetadata();
        if (pod.getSpec() != null) b.withNewSpec().withHostNetwork(pod.getSpec().getHostNetwork()).withNodeName(pod.getSpec().getNodeName()).endSpec();
        var status = pod.getStatus();
        if (status != null) b.withNewStatus().withPhase(status.getPhase()).withPodIP(status.getPodIP()).withPodIPs(status.getPodIPs()).endStatus();
        return b.build();
    }

    private static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
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
        watchdog.shutdownNow();
        for (var informer : informers.values()) informer.stop();
        if (ownsClient) client.close();
    }
}
