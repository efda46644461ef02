package dev.kscope.containers.kubernetes;

import dev.kscope.containers.ContainerCollectionOptions.KubernetesMode;
import dev.kscope.containers.kubernetes.ClusterAddresses.Named;
import dev.kscope.containers.kubernetes.ClusterAddresses.ServicePorts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The cluster's names for addresses, from Services, EndpointSlices and Pods in a mock API server (CRUD mode, with watches). */
@EnableKubernetesMockClient(crud = true)
class ClusterAddressesTest {
    static KubernetesClient client;
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    static HasMetadata service(String ns, String name, String clusterIp, Object... portNameNumberTarget) {
        var b = new ServiceBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withClusterIP(clusterIp).withClusterIPs(clusterIp).endSpec();
        for (int i = 0; i < portNameNumberTarget.length; i += 3) {
            b.editSpec().addToPorts(new ServicePortBuilder().withName((String) portNameNumberTarget[i]).withPort((Integer) portNameNumberTarget[i + 1])
                    .withTargetPort(new IntOrString((Integer) portNameNumberTarget[i + 2])).build()).endSpec();
        }
        return b.build();
    }

    /** A slice of {@code service} listing {@code podIps} (pod name, IP pairs) on one named port. */
    static HasMetadata slice(String ns, String service, String portName, int port, String... podIps) {
        var b = new EndpointSliceBuilder().withNewMetadata().withName(service + "-" + Integer.toHexString(Arrays.hashCode(podIps)))
                .withNamespace(ns).addToLabels("kubernetes.io/service-name", service).endMetadata().withAddressType("IPv4")
                .withPorts(new EndpointPortBuilder().withName(portName).withPort(port).withProtocol("TCP").build());
        for (int i = 0; i < podIps.length; i += 2) {
            b.addToEndpoints(new EndpointBuilder().withAddresses(podIps[i + 1])
                    .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withName(podIps[i]).withNamespace(ns).build()).build());
        }
        return b.build();
    }

    static HasMetadata pod(String ns, String name, String node, boolean hostNetwork, String... ips) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withNodeName(node).withHostNetwork(hostNetwork).endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ips[0]).withPodIPs(Arrays.stream(ips).map(PodIP::new).toList()).endStatus()
                .build();
    }

    /** Access as `kscope traffic -r` gets it: through a kubeconfig naming the client's server (a token; TLS unverified). */
    static ClusterAccess access(KubernetesClient client) {
        try {
            var file = java.nio.file.Files.createTempFile("kubeoff-", ".kubeconfig");
            try {
                java.nio.file.Files.writeString(file, """
                        apiVersion: v1
                        kind: Config
                        current-context: test
                        clusters: [{name: test, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
                        users: [{name: test, user: {token: secret}}]
                        contexts: [{name: test, context: {cluster: test, user: test}}]
                        """.formatted(client.getMasterUrl()));
                return KubernetesClients.access(KubernetesMode.ON, file, null, "off", w -> {
                    throw new AssertionError(w);
                }).orElseThrow();
            } finally {
                java.nio.file.Files.delete(file);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void create(HasMetadata... objects) {
        for (var o : objects) client.resource(o).create();
    }

    static <T> T await(Supplier<Optional<T>> lookup) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            var v = lookup.get();
            if (v.isPresent()) return v.get();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("not named within 10 s");
    }

    @Test
    void namesClusterIpsPodsAndTheServicesSelectingThem() {
        create(service("shop", "orders", "10.96.0.20", "http", 80, 8080, "grpc", 9090, 9090),
                service("shop", "orders-headless", "None", "http", 8080, 8080),
                slice("shop", "orders", "http", 8080, "orders-7d9-abc", "10.244.1.7", "orders-7d9-xyz", "10.244.2.8"),
                slice("shop", "orders-headless", "http", 8080, "orders-7d9-abc", "10.244.1.7"),
                pod("shop", "orders-7d9-abc", "node-a", false, "10.244.1.7", "fd00:10:244::7"),
                pod("shop", "frontend-5c4-q2w", "node-b", false, "10.244.2.3"),
                pod("kube-system", "kube-proxy-x", "node-a", true, "192.168.1.10"));
        var warnings = new CopyOnWriteArrayList<String>();
        // watched (live) and listed once (a file; through HttpURLConnection, or fabric8's client): the same names
        try (var watched = ClusterAddresses.start(client, false, Duration.ofSeconds(5), warnings::add);
             var listed = ClusterAddresses.list(access(client), Duration.ofSeconds(5), warnings::add);
             var listedByFabric8 = ClusterAddresses.list(ClusterAccess.of(client.getConfiguration()), Duration.ofSeconds(5), warnings::add)) {
            for (var index : List.of(watched, listed, listedByFabric8)) {
                assertThat(index.lookup("10.96.0.20")).contains(new Named("shop", null, List.of(new ServicePorts("orders", Map.of(80, "http", 9090, "grpc")))));
                assertThat(index.lookup("10.244.1.7")).contains(new Named("shop", "orders-7d9-abc",
                        List.of(new ServicePorts("orders", Map.of(8080, "http")), new ServicePorts("orders-headless", Map.of(8080, "http")))));
                assertThat(index.lookup("fd00:10:244:0:0:0:0:7")).get().extracting(Named::pod).isEqualTo("orders-7d9-abc");
                assertThat(index.lookup("fd00:10:244::7")).get().extracting(Named::pod).isEqualTo("orders-7d9-abc");
                // no Pod object (e.g. not allowed to list pods): the slice's target names the pod
                assertThat(index.lookup("10.244.2.8")).contains(new Named("shop", "orders-7d9-xyz", List.of(new ServicePorts("orders", Map.of(8080, "http")))));
                assertThat(index.lookup("10.244.2.3")).contains(new Named("shop", "frontend-5c4-q2w", List.of()));
                assertThat(index.lookup("192.168.1.10")).as("host-network pods share the node's address").isEmpty();
                assertThat(index.lookup("10.1.1.1")).isEmpty();
                assertThat(index.lookup("not an address")).isEmpty();
            }
            assertThat(warnings).isEmpty();
        }
    }

    /** A CRUD API server whose answers take {@code delayMillis}, as a big cluster's lists do; it counts the requests. */
    static final class Slow extends KubernetesCrudDispatcher {
        final List<String> paths = new CopyOnWriteArrayList<>();
        private final long delayMillis;

        Slow(long delayMillis) {
            this.delayMillis = delayMillis;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            if ("GET".equals(request.getMethod())) {
                paths.add(request.getPath());
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.dispatch(request);
        }
    }

    @Test
    void listingOnceRunsInTheBackgroundAndTheFirstLookupWaitsForIt() {
        var slow = new Slow(400);
        var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), slow, false);
        server.init();
        try (var c = server.createClient()) {
            c.resource(service("shop", "cart", "10.96.9.9", "http", 80, 8080)).create();
            c.resource(pod("shop", "cart-1", "node-b", false, "10.244.9.1")).create();
            var warnings = new CopyOnWriteArrayList<String>();
            long start = System.nanoTime();
            try (var index = ClusterAddresses.list(access(c), Duration.ofSeconds(10), warnings::add)) {
                assertThat((System.nanoTime() - start) / 1_000_000).as("ms until the caller goes on").isLessThan(300);
                assertThat(index.lookup("10.96.9.9")).as("the first lookup waits for the lists").isPresent();
                assertThat((System.nanoTime() - start) / 1_000_000).as("ms: three lists of 400 ms each").isGreaterThanOrEqualTo(1200);
                assertThat(index.lookup("10.244.9.1")).contains(new Named("shop", "cart-1", List.of()));
                // a file does not change: nothing is watched, and what is created later is not listed
                c.resource(service("shop", "late", "10.96.9.10", "http", 80, 8080)).create();
                assertThat(index.lookup("10.96.9.10")).isEmpty();
                assertThat(slow.paths).allSatisfy(p -> assertThat(p).doesNotContain("watch"))
                        .containsExactly("/api/v1/services?limit=500", "/apis/discovery.k8s.io/v1/endpointslices?limit=500", "/api/v1/pods?limit=500");
            }
            assertThat(warnings).isEmpty();
        } finally {
            server.destroy();
        }
    }

    /** An API server that pages its pod list (the CRUD mock answers all at once), as a real one does past the limit. */
    static final class Paging extends KubernetesCrudDispatcher {
        final List<String> podRequests = new CopyOnWriteArrayList<>();

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            if (!request.getPath().startsWith("/api/v1/pods?")) return super.dispatch(request);
            podRequests.add(request.getPath());
            var second = request.getPath().contains("continue=");
            var pod = second ? "web-2" : "web-1";
            return new MockResponse().setResponseCode(200).setBody("""
                    {"kind":"PodList","apiVersion":"v1","metadata":{"continue":"%s"},"items":[{"metadata":{"name":"%s","namespace":"shop",
                     "managedFields":[{"manager":"kubelet"}]},"spec":{"containers":[{"name":"app"}]},"status":{"phase":"Running","podIP":"10.244.6.%d"}}]}"""
                    .formatted(second ? "" : "page 2/2", pod, second ? 2 : 1));
        }
    }

    @Test
    void listingFollowsPages() {
        var paging = new Paging();
        var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), paging, false);
        server.init();
        try (var c = server.createClient()) {
            var warnings = new CopyOnWriteArrayList<String>();
            try (var index = ClusterAddresses.list(access(c), Duration.ofSeconds(10), warnings::add)) {
                assertThat(index.lookup("10.244.6.1")).contains(new Named("shop", "web-1", List.of()));
                assertThat(index.lookup("10.244.6.2")).contains(new Named("shop", "web-2", List.of()));
            }
            assertThat(paging.podRequests).containsExactly("/api/v1/pods?limit=500", "/api/v1/pods?limit=500&continue=page+2%2F2");
            assertThat(warnings).isEmpty();
        } finally {
            server.destroy();
        }
    }

    /** A list that takes longer than the wait: lookups go on unnamed, with one warning, and names come as the lists do. */
    @Test
    void listingThatOutlastsTheWaitIsOneWarning() throws Exception {
        var slow = new Slow(1500);
        var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), slow, false);
        server.init();
        try (var c = server.createClient()) {
            c.resource(service("shop", "cart", "10.96.9.9", "http", 80, 8080)).create();
            var warnings = new CopyOnWriteArrayList<String>();
            try (var index = ClusterAddresses.list(access(c), Duration.ofSeconds(1), warnings::add)) {
                assertThat(index.lookup("10.96.9.9")).isEmpty();
                assertThat(warnings).singleElement().asString().contains("did not list services, endpointslices and pods within 1 s");
                await(() -> index.lookup("10.96.9.9"));
            }
            assertThat(warnings).hasSize(1);
        } finally {
            server.destroy();
        }
    }

    @Test
    void followsChangesWhileRunning() {
        var warnings = new CopyOnWriteArrayList<String>();
        try (var index = ClusterAddresses.start(client, false, Duration.ofSeconds(5), warnings::add)) {
            assertThat(index.lookup("10.96.7.7")).isEmpty();
            long before = index.generation();
            create(service("late", "cart", "10.96.7.7", "http", 80, 8080));
            assertThat(await(() -> index.lookup("10.96.7.7")).services()).extracting(ServicePorts::name).containsExactly("cart");
            assertThat(index.generation()).isGreaterThan(before);

            create(pod("late", "cart-1", "node-c", false, "10.244.7.1"));
            assertThat(await(() -> index.lookup("10.244.7.1")).services()).isEmpty();
            create(slice("late", "cart", "http", 8080, "cart-1", "10.244.7.1"));
            await(() -> index.lookup("10.244.7.1").filter(n -> !n.services().isEmpty()));

            long settled = index.generation();
            client.pods().inNamespace("late").withName("cart-1")
                    .edit(p -> new PodBuilder(p).editMetadata().addToLabels("touched", "yes").endMetadata().build());
            create(pod("late", "cart-2", "node-c", false, "10.244.7.2"));
            await(() -> index.lookup("10.244.7.2"));
            assertThat(index.generation()).as("a label change names nothing: only the new pod moves it").isEqualTo(settled + 1);

            client.services().inNamespace("late").withName("cart").delete();
            await(() -> index.lookup("10.96.7.7").isEmpty() ? Optional.of(true) : Optional.empty());
            client.pods().inNamespace("late").withName("cart-1").delete();
            client.discovery().v1().endpointSlices().inNamespace("late").delete();
            await(() -> index.lookup("10.244.7.1").isEmpty() ? Optional.of(true) : Optional.empty());
            assertThat(warnings).isEmpty();
        }
    }

    /** A CRUD API server that forbids the given resources, as RBAC without list/watch on them would. */
    static final class Forbidding extends KubernetesCrudDispatcher {
        private final List<String> forbidden;

        Forbidding(String... paths) {
            forbidden = List.of(paths);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            for (var path : forbidden) {
                if (request.getPath().startsWith(path)) {
                    return new MockResponse().setResponseCode(403).setBody("""
                            {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,
                             "message":"services is forbidden: User \\"dev\\" cannot list resource \\"services\\" in API group \\"\\" at the cluster scope"}""");
                }
            }
            return super.dispatch(request);
        }
    }

    @Test
    void forbiddenResourcesAreOneWarningAndTheRestStillNames() {
        var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
                new Forbidding("/api/v1/services", "/apis/discovery.k8s.io/v1/endpointslices"), false);
        server.init();
        try (var forbidden = server.createClient()) {
            forbidden.resource(pod("shop", "web-1", "node-b", false, "10.244.3.3")).create();
            var watchWarnings = new CopyOnWriteArrayList<String>();
            try (var index = ClusterAddresses.start(forbidden, false, Duration.ofSeconds(5), watchWarnings::add)) {
                assertThat(index.lookup("10.244.3.3")).contains(new Named("shop", "web-1", List.of()));
                assertThat(watchWarnings).singleElement().asString()
                        .contains("cannot list/watch services, endpointslices (Forbidden 403: services is forbidden: User \"dev\" cannot list")
                        .contains("service names are off")
                        .contains("grant list and watch on services, endpointslices.discovery.k8s.io and pods");
            }
            var listWarnings = new CopyOnWriteArrayList<String>();
            try (var index = ClusterAddresses.list(access(forbidden), Duration.ofSeconds(5), listWarnings::add)) {
                assertThat(index.lookup("10.244.3.3")).contains(new Named("shop", "web-1", List.of()));
                assertThat(listWarnings).singleElement().asString()
                        .contains(": cannot list services, endpointslices (Forbidden 403: services is forbidden: User \"dev\" cannot list")
                        .contains("service names are off")
                        .contains("grant list on services, endpointslices.discovery.k8s.io and pods");
            }
        } finally {
            server.destroy();
        }
    }

    @Test
    void apiServerGoingAwayIsOneWarningAndKeepsTheNames() throws Exception {
        var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        try (var goingAway = server.createClient()) {
            goingAway.resource(service("shop", "cart", "10.96.8.8", "http", 80, 8080)).create();
            var warnings = new CopyOnWriteArrayList<String>();
            try (var index = ClusterAddresses.start(goingAway, false, Duration.ofSeconds(5), warnings::add)) {
                assertThat(index.lookup("10.96.8.8")).isPresent();
                Thread.sleep(4500); // the watchdog looks twice at healthy watches: no warning
                assertThat(warnings).isEmpty();
                server.destroy();
                await(() -> warnings.isEmpty() ? Optional.empty() : Optional.of(true));
                Thread.sleep(4500); // the informers retry and the watchdog looks twice meanwhile: no more lines
                assertThat(warnings).singleElement().asString().contains("stopped answering (").contains("names stay as last seen until it is back");
                assertThat(index.lookup("10.96.8.8")).as("what was known stays known").isPresent();
            }
        }
    }

    @Test
    void apiServerDownIsOneWarningWithoutWaiting() {
        // port 23302 (this area's range, kubeoff): nothing listens there
        var config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:23302").withTrustCerts(true)
                .withRequestRetryBackoffLimit(0).withConnectionTimeout(2000).withRequestTimeout(3000).build();
        try (var down = new KubernetesClientBuilder().withConfig(config).build()) {
            for (var watch : List.of(true, false)) {
                var warnings = new CopyOnWriteArrayList<String>();
                long start = System.nanoTime();
                try (var index = watch ? ClusterAddresses.start(down, false, Duration.ofSeconds(5), warnings::add)
                        : ClusterAddresses.list(access(down), Duration.ofSeconds(5), warnings::add)) {
                    assertThat(index.lookup("10.96.0.20")).isEmpty();
                    assertThat((System.nanoTime() - start) / 1_000_000).as("ms to give up on a refused connection").isLessThan(3000);
                    assertThat(warnings).singleElement().asString()
                            .startsWith("Kubernetes API at https://127.0.0.1:23302/: cannot " + (watch ? "list/watch" : "list") + " services, endpointslices, pods (")
                            .contains("service names and pods of other nodes are off, pods of this node are still named")
                            .contains("check that the cluster is up");
                }
            }
        }
    }

    @Test
    void aFileWithNothingToNameStillGetsTheWarning() {
        var config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:23302").withTrustCerts(true)
                .withRequestRetryBackoffLimit(0).withConnectionTimeout(2000).withRequestTimeout(3000).build();
        var warnings = new CopyOnWriteArrayList<String>();
        try (var down = new KubernetesClientBuilder().withConfig(config).build();
             var index = ClusterAddresses.list(access(down), Duration.ofSeconds(5), warnings::add)) {
            assertThat(index).isNotNull(); // no lookup: closing waits for the lists' outcome
        }
        assertThat(warnings).singleElement().asString().contains("cannot list services, endpointslices, pods (");
    }
}
