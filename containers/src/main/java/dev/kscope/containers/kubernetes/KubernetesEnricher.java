package dev.kscope.containers.kubernetes;

import dev.kscope.containers.Container;
import dev.kscope.containers.ContainerCollectionOptions.KubernetesMode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Adds what only the Kubernetes API knows to a container: the workload owning its pod (a Deployment through its
 * ReplicaSet, a StatefulSet, DaemonSet, or a CronJob through its Job), the node, and, for containers found from /proc
 * alone, the pod's name, namespace and labels from its UID. When the API does not answer: one warning, then no call
 * for the cool-down (60 s by default), so a dead API server costs nothing and floods nothing.
 */
public final class KubernetesEnricher implements AutoCloseable {

    /** What the API says about a pod. */
    public record PodInfo(String name, String namespace, String uid, Map<String, String> labels, Container.Owner owner, String node) {
    }

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final Consumer<String> warnings;
    private final Duration coolDown;
    private final Map<String, PodInfo> byUid = new ConcurrentHashMap<>();
    private final Map<String, Container.Owner> owners = new ConcurrentHashMap<>();
    private volatile long quietUntil;
    private volatile boolean closed;
    private volatile boolean warned;
    private volatile long podsListedAt;

    KubernetesEnricher(KubernetesClient client, boolean ownsClient, Consumer<String> warnings, Duration coolDown) {
        this.coolDown = coolDown;
        this.client = client;
        this.ownsClient = ownsClient;
        this.warnings = warnings;
    }

    /** An enricher, or empty when the mode is OFF or (AUTO) there is no configuration to reach an API server with. */
    public static Optional<KubernetesEnricher> create(KubernetesMode mode, Path kubeconfig, KubernetesClient client, Consumer<String> warnings) {
        return create(mode, kubeconfig, client, warnings, Duration.ofSeconds(60));
    }

    public static Optional<KubernetesEnricher> create(KubernetesMode mode, Path kubeconfig, KubernetesClient client, Consumer<String> warnings,
                                                      Duration coolDown) {
        if (mode == KubernetesMode.OFF) return Optional.empty();
        if (client != null) return Optional.of(new KubernetesEnricher(client, false, warnings, coolDown));
        return KubernetesClients.open(mode, kubeconfig, null, "Kubernetes owner and node enrichment is off", warnings)
                .map(c -> new KubernetesEnricher(c, true, warnings, coolDown));
    }

    /** False while cooling down after the API failed to answer: lookups made now would return nothing. */
    public boolean answering() {
        return System.nanoTime() >= quietUntil;
    }

    /** The pod of a container, from the API (cached per pod UID). Empty when unknown or the API is cooling down. */
    public Optional<PodInfo> pod(Container c) {
        if (!c.inPod()) return Optional.empty();
        var cached = c.podUid().isEmpty() ? null : byUid.get(c.podUid());
        if (cached != null) return Optional.of(cached);
        if (System.nanoTime() < quietUntil) return Optional.empty();
        try {
            if (!c.podName().isEmpty()) {
                var pod = client.pods().inNamespace(c.namespace()).withName(c.podName()).get();
                if (pod == null || (!c.podUid().isEmpty() && !c.podUid().equals(pod.getMetadata().getUid()))) return Optional.empty();
                return Optional.of(remember(pod));
            }
            // found from /proc: only the UID is known; one list of all pods fills the cache (at most every cool-down)
            if (System.nanoTime() - podsListedAt < coolDown.toNanos() && podsListedAt != 0) return Optional.empty();
            podsListedAt = System.nanoTime();
            for (var pod : client.pods().inAnyNamespace().list().getItems()) remember(pod);
            return Optional.ofNullable(byUid.get(c.podUid()));
        } catch (RuntimeException e) {
            // kscope is stopping (interrupted, or the client already closed under a lookup in flight): no news
            if (closed || KubernetesClients.root(e) instanceof InterruptedException
                    || KubernetesClients.root(e) instanceof java.util.concurrent.RejectedExecutionException) return Optional.empty();
            quietUntil = System.nanoTime() + coolDown.toNanos();
            if (!warned) {
                warned = true;
                warnings.accept("Kubernetes API at " + client.getMasterUrl() + " failed (" + KubernetesClients.rootMessage(e)
                        + "): containers are listed without owner and node; next try in " + coolDown.toSeconds() + " s");
            }
            return Optional.empty();
        }
    }

    private PodInfo remember(Pod pod) {
        var meta = pod.getMetadata();
        var info = new PodInfo(meta.getName(), meta.getNamespace(), meta.getUid(),
                meta.getLabels() == null ? Map.of() : meta.getLabels(), owner(meta.getNamespace(), pod),
                pod.getSpec() == null ? null : pod.getSpec().getNodeName());
        byUid.put(meta.getUid(), info);
        return info;
    }

    /** Follows controller owner references up: Pod → ReplicaSet → Deployment, Pod → Job → CronJob. */
    private Container.Owner owner(String namespace, HasMetadata object) {
        var ref = controller(object.getMetadata().getOwnerReferences());
        if (ref == null) return null;
        var key = namespace + "/" + ref.getKind() + "/" + ref.getName();
        var cached = owners.get(key);
        if (cached != null) return cached;
        HasMetadata parent = switch (ref.getKind()) {
            case "ReplicaSet" -> client.apps().replicaSets().inNamespace(namespace).withName(ref.getName()).get();
            case "Job" -> client.batch().v1().jobs().inNamespace(namespace).withName(ref.getName()).get();
            default -> null;
        };
        var up = parent == null ? null : owner(namespace, parent);
        var result = up != null ? up : new Container.Owner(ref.getKind(), ref.getName());
        owners.put(key, result);
        return result;
    }

    private static OwnerReference controller(List<OwnerReference> refs) {
        if (refs == null || refs.isEmpty()) return null;
        return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(refs.getFirst());
    }

    @Override
    public void close() {
        closed = true;
        if (ownsClient) client.close();
    }
}
