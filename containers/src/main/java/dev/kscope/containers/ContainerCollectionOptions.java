package dev.kscope.containers;

import dev.kscope.containers.runtime.RuntimeEndpoint;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * How a {@link ContainerCollection} finds containers.
 *
 * @param runtimes       runtimes to ask; empty: every runtime whose default socket exists
 * @param procFallback   when no runtime answers, find containers from /proc and cgroup paths
 * @param kubernetes     AUTO: use the API if a kubeconfig or in-cluster config exists; ON: warn if not; OFF
 * @param kubeconfig     a kubeconfig file; null: $KUBECONFIG, ~/.kube/config, or in-cluster
 * @param kubernetesClient a ready client (tests); overrides kubeconfig
 * @param resync         how often to re-list containers (the safety net under cgroup watching and runtime events)
 * @param procRoot       the host's /proc
 * @param cgroupRoot     the host's /sys/fs/cgroup
 * @param nodeName       the node name put on containers when the API does not say; null: $NODE_NAME or the hostname
 * @param warnings       where one-line warnings go (default: stderr, prefixed {@code kscope: warning: })
 * @param kubernetesRetry after the API server failed to answer, how long to leave it alone (default 60 s)
 */
public record ContainerCollectionOptions(List<RuntimeEndpoint> runtimes, boolean procFallback, KubernetesMode kubernetes,
                                         Path kubeconfig, KubernetesClient kubernetesClient, Duration resync, Path procRoot,
                                         Path cgroupRoot, String nodeName, Consumer<String> warnings,
                                         Duration kubernetesRetry) {

    public enum KubernetesMode { AUTO, ON, OFF }

    public ContainerCollectionOptions {
        runtimes = runtimes == null ? List.of() : List.copyOf(runtimes);
    }

    public static ContainerCollectionOptions defaults() {
        return new ContainerCollectionOptions(List.of(), true, KubernetesMode.AUTO, null, null, Duration.ofSeconds(2),
                Path.of("/proc"), Path.of("/sys/fs/cgroup"), null, w -> System.err.println("kscope: warning: " + w),
                Duration.ofSeconds(60));
    }

    public ContainerCollectionOptions withRuntimes(List<RuntimeEndpoint> r) {
        return new ContainerCollectionOptions(r, procFallback, kubernetes, kubeconfig, kubernetesClient, resync, procRoot, cgroupRoot, nodeName, warnings, kubernetesRetry);
    }

    public ContainerCollectionOptions withRuntimes(RuntimeEndpoint... r) {
        return withRuntimes(List.of(r));
    }

    public ContainerCollectionOptions withProcFallback(boolean on) {
        return new ContainerCollectionOptions(runtimes, on, kubernetes, kubeconfig, kubernetesClient, resync, procRoot, cgroupRoot, nodeName, warnings, kubernetesRetry);
    }

    public ContainerCollectionOptions withKubernetes(KubernetesMode mode, Path kubeconfigFile) {
        return new ContainerCollectionOptions(runtimes, procFallback, mode, kubeconfigFile, kubernetesClient, resync, procRoot, cgroupRoot, nodeName, warnings, kubernetesRetry);
    }

    public ContainerCollectionOptions withKubernetesClient(KubernetesClient client) {
        return new ContainerCollectionOptions(runtimes, procFallback, KubernetesMode.ON, kubeconfig, client, resync, procRoot, cgroupRoot, nodeName, warnings, kubernetesRetry);
    }

    public ContainerCollectionOptions withResync(Duration d) {
        return new ContainerCollectionOptions(runtimes, procFallback, kubernetes, kubeconfig, kubernetesClient, d, procRoot, cgroupRoot, nodeName, warnings, kubernetesRetry);
    }

    public ContainerCollectionOptions withNodeName(String name) {
        return new ContainerCollectionOptions(runtimes, procFallback, kubernetes, kubeconfig, kubernetesClient, resync, procRoot, cgroupRoot, name, warnings, kubernetesRetry);
    }

    public ContainerCollectionOptions withKubernetesRetry(Duration d) {
        return new ContainerCollectionOptions(runtimes, procFallback, kubernetes, kubeconfig, kubernetesClient, resync, procRoot, cgroupRoot, nodeName, warnings, d);
    }

    public ContainerCollectionOptions withWarnings(Consumer<String> w) {
        return new ContainerCollectionOptions(runtimes, procFallback, kubernetes, kubeconfig, kubernetesClient, resync, procRoot, cgroupRoot, nodeName, w, kubernetesRetry);
    }
}
