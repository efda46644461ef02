package dev.kscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.kubernetes.ClusterAddresses;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.traffic.TrafficAnalyzer;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.pcap.Frames;
import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.pcap.PcapWriter;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Service and pod names from a (mock) Kubernetes API server on messages read from a capture: JSON, CEL, tables,
 * history, and a service created while analyzing.
 */
class TrafficServicesTest {
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    @TempDir
    Path dir;
    KubernetesMockServer server;
    KubernetesClient client;
    Path kubeconfig;
    Path pcap;
    long clock = 1_700_000_000_000_000_000L;

    @BeforeEach
    void cluster() throws Exception {
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        kubeconfig = dir.resolve("kubeconfig");
        // "down": port 23303 of this area's range (kubeoff), where nothing listens
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                current-context: mock
                clusters:
                - name: mock
                  cluster: {server: "http://localhost:%d"}
                - name: down
                  cluster: {server: "https://127.0.0.1:23303"}
                users:
                - name: dev
                  user: {token: secret}
                contexts:
                - name: mock
                  context: {cluster: mock, user: dev}
                - name: down
                  context: {cluster: down, user: dev}
                """.formatted(server.getPort()));
        create(service("shop", "orders", "10.96.0.20", "http", 80, 8080),
                service("shop", "orders-headless", "None", "http", 8080, 8080),
                service("shop", "frontend", "10.96.0.30", "web", 80, 8080),
                service("kube-system", "kube-dns", "10.96.0.10", "dns", 53, 53),
                slice("shop", "orders", "http", 8080, "orders-7d9-abc", "10.244.1.7"),
                slice("shop", "orders-headless", "http", 8080, "orders-7d9-abc", "10.244.1.7"),
                slice("shop", "frontend", "web", 8080, "frontend-5c4-q2w", "10.244.2.3"),
                pod("shop", "orders-7d9-abc", "10.244.1.7"),
                pod("shop", "frontend-5c4-q2w", "10.244.2.3"));

        pcap = dir.resolve("node2.pcap");
        try (var w = new PcapWriter(pcap, LinkTypes.ETHERNET)) {
            http(w, "10.244.2.3", 41000, "10.96.0.20", 80, "/orders", "200 OK");        // frontend -> ClusterIP of orders
            http(w, "10.244.2.3", 41001, "10.244.1.7", 8080, "/direct", "503 Down");    // frontend -> orders' pod
            http(w, "10.9.9.9", 41002, "10.96.0.99", 80, "/nobody", "200 OK");          // neither address is known
            var query = new byte[]{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'e', 'b', 0, 0, 1, 0, 1};
            var answer = new byte[]{0x12, 0x34, (byte) 0x81, (byte) 0x83, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'e', 'b', 0, 0, 1, 0, 1};
            w.write(clock += 1_000_000, Frames.udp("10.244.2.3", 53000, "10.96.0.10", 53, query));
            w.write(clock += 1_000_000, Frames.udp("10.96.0.10", 53, "10.244.2.3", 53000, answer));
        }
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    void http(PcapWriter w, String client, int cport, String server, int sport, String path, String status) {
        var q = ("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        var r = ("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        w.write(clock += 1_000_000, Frames.tcp(client, cport, server, sport, 100, 5000, 0x18, q));
        w.write(clock += 2_000_000, Frames.tcp(server, sport, client, cport, 5000, 100 + q.length, 0x18, r));
    }

    static HasMetadata service(String ns, String name, String clusterIp, String portName, int port, int targetPort) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withClusterIP(clusterIp).withClusterIPs(clusterIp)
                .withPorts(new ServicePortBuilder().withName(portName).withPort(port).withTargetPort(new IntOrString(targetPort)).build())
                .endSpec().build();
    }

    static HasMetadata slice(String ns, String service, String portName, int port, String pod, String ip) {
        return new EndpointSliceBuilder().withNewMetadata().withName(service + "-x1").withNamespace(ns)
                .addToLabels("kubernetes.io/service-name", service).endMetadata().withAddressType("IPv4")
                .withPorts(new EndpointPortBuilder().withName(portName).withPort(port).withProtocol("TCP").build())
                .withEndpoints(new EndpointBuilder().withAddresses(ip)
                        .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withName(pod).withNamespace(ns).build()).build())
                .build();
    }

    static HasMetadata pod(String ns, String name, String ip) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withNodeName("node-2").endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).addNewPodIP(ip).endStatus().build();
    }

    void create(HasMetadata... objects) {
        for (var o : objects) client.resource(o).create();
    }

    TrafficCommandTest.Run kscope(String... args) {
        var all = new ArrayList<>(List.of("traffic", "-r", pcap.toString(), "--kubeconfig", kubeconfig.toString()));
        all.addAll(List.of(args));
        return TrafficCommandTest.kscope(all.toArray(String[]::new));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> json(String out) throws Exception {
        var mapper = new ObjectMapper();
        var list = new ArrayList<Map<String, Object>>();
        for (var line : out.lines().toList()) list.add(mapper.readValue(line, Map.class));
        return list;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> side(Map<String, Object> message, String side) {
        return (Map<String, Object>) message.get(side);
    }

    @Test
    void jsonNamesServicesAndPodsOfAnotherNode() throws Exception {
        var r = kscope("-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("warning");
        var messages = json(r.out());
        assertThat(messages).extracting(m -> m.get("summary")).containsExactly("GET /orders", "GET /direct", "GET /nobody", "A web");
        assertThat(side(messages.get(0), "src")).isEqualTo(Map.of("ip", "10.244.2.3", "port", 41000, "pod", "frontend-5c4-q2w",
                "namespace", "shop", "service", "frontend", "port_name", "", "services", List.of("frontend")));
        assertThat(side(messages.get(0), "dst")).isEqualTo(Map.of("ip", "10.96.0.20", "port", 80, "pod", "",
                "namespace", "shop", "service", "orders", "port_name", "http", "services", List.of("orders")));
        assertThat(side(messages.get(1), "dst")).isEqualTo(Map.of("ip", "10.244.1.7", "port", 8080, "pod", "orders-7d9-abc",
                "namespace", "shop", "service", "orders", "port_name", "http", "services", List.of("orders", "orders-headless")));
        assertThat(side(messages.get(2), "dst")).isEqualTo(Map.of("ip", "10.96.0.99", "port", 80, "pod", "",
                "namespace", "", "service", "", "port_name", "", "services", List.of()));
        assertThat(side(messages.get(3), "dst")).containsEntry("service", "kube-dns").containsEntry("namespace", "kube-system")
                .containsEntry("port_name", "dns");
    }

    @Test
    void celFiltersByServiceAndNamespace() throws Exception {
        var toOrders = kscope("-o", "json", "--filter", "dst.service == \"orders\" && src.namespace == \"shop\"");
        assertThat(toOrders.code()).as(toOrders.err()).isZero();
        assertThat(json(toOrders.out())).extracting(m -> m.get("summary")).containsExactly("GET /orders", "GET /direct");
        var failing = kscope("-o", "json", "--filter", "dst.service == \"orders\" && http.status >= 500 && src.service == \"frontend\"");
        assertThat(json(failing.out())).extracting(m -> m.get("summary")).containsExactly("GET /direct");
        var headless = kscope("-o", "json", "--filter", "\"orders-headless\" in dst.services");
        assertThat(json(headless.out())).extracting(m -> m.get("summary")).containsExactly("GET /direct");
        var dns = kscope("-o", "json", "--filter", "dst.port_name == \"dns\" && dst.namespace == \"kube-system\"");
        assertThat(json(dns.out())).extracting(m -> m.get("summary")).containsExactly("A web");
    }

    @Test
    void tableShowsTheServiceWhenNoPodIsKnownAndWideShowsBoth() {
        var table = kscope().out().lines().toList();
        assertThat(table.get(1)).contains("shop/frontend-5c4-q2w:41000", "shop/svc/orders:80", "GET /orders");
        assertThat(table.get(2)).contains("shop/frontend-5c4-q2w:41001", "shop/orders-7d9-abc:8080", "GET /direct");
        assertThat(table.get(3)).contains("10.9.9.9:41002", "10.96.0.99:80");
        var wide = kscope("-o", "wide").out().lines().toList();
        assertThat(wide.getFirst()).contains("SOURCE", "SRC-SERVICE", "DESTINATION", "DST-SERVICE");
        assertThat(wide.get(1).split(" +")).containsSubsequence("shop/frontend-5c4-q2w:41000", "shop/frontend", "10.96.0.20:80", "shop/orders:http");
        assertThat(wide.get(2).split(" +")).containsSubsequence("shop/orders-7d9-abc:8080", "shop/orders:http", "GET", "/direct");
        assertThat(wide.get(3).split(" +")).containsSubsequence("10.9.9.9:41002", "-", "10.96.0.99:80", "-", "GET", "/nobody");
    }

    @Test
    void yamlCarriesTheNamesToo() {
        var r = kscope("-o", "yaml", "--filter", "summary == \"GET /orders\"");
        assertThat(r.out()).startsWith("---\n").contains("service: orders\n", "port_name: http\n", "pod: frontend-5c4-q2w\n");
    }

    @Test
    void historyKeepsTheNames() {
        var db = dir.resolve("svc.duckdb");
        assertThat(kscope("--db", db.toString(), "-o", "json").code()).isZero();
        var q = TrafficCommandTest.kscope("traffic", "query", "dst.service == \"orders\"", "--db", db.toString(), "-o", "wide");
        assertThat(q.code()).as(q.err()).isZero();
        assertThat(q.out().lines().toList()).hasSize(3);
        assertThat(q.out()).contains("shop/orders:http", "shop/orders-7d9-abc:8080");
        var headless = TrafficCommandTest.kscope("traffic", "query", "\"orders-headless\" in dst.services", "--db", db.toString(), "-o", "json");
        assertThat(headless.out().lines().toList()).singleElement().asString().contains("\"services\":[\"orders\",\"orders-headless\"]");
    }

    @Test
    void noKubernetesLeavesAddressesAndSaysNothing() throws Exception {
        var r = kscope("-o", "json", "--no-kubernetes");
        assertThat(r.err()).doesNotContain("warning");
        assertThat(side(json(r.out()).getFirst(), "dst")).containsEntry("service", "").containsEntry("namespace", "");
    }

    @Test
    void apiServerDownIsOneWarningAndTheAnalysisGoesOn() throws Exception {
        var r = kscope("-o", "json", "--context", "down");
        assertThat(r.code()).isZero();
        assertThat(json(r.out())).hasSize(4);
        assertThat(r.err().lines().filter(l -> l.startsWith("kscope: warning:")).toList()).singleElement().asString()
                .startsWith("kscope: warning: Kubernetes API at https://127.0.0.1:23303/: cannot list services, endpointslices, pods (")
                .contains("pods of this node are still named");
    }

    @Test
    void unknownContextIsBadInput() {
        var r = kscope("--context", "nope");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("kscope: context \"nope\" not found in kubeconfig " + kubeconfig + " (use one of: mock, down)\n");
    }

    @Test
    void noKubeconfigIsSilent() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("KUBECONFIG") == null && System.getenv("KUBERNETES_SERVICE_HOST") == null);
        var home = System.getProperty("user.home");
        System.setProperty("user.home", dir.toString());
        try {
            var r = TrafficCommandTest.kscope("traffic", "-r", pcap.toString());
            assertThat(r.code()).isZero();
            assertThat(r.out().lines()).hasSize(5);
            // a laptop analyzing a file has no cluster: nothing to warn about (a --kubeconfig that can't be read is warned)
            assertThat(r.err().lines().filter(l -> l.startsWith("kscope: warning:")).toList()).isEmpty();
            var missing = TrafficCommandTest.kscope("traffic", "-r", pcap.toString(), "--kubeconfig", dir.resolve("nope").toString());
            assertThat(missing.err().lines().filter(l -> l.startsWith("kscope: warning:")).toList()).containsExactly(
                    "kscope: warning: cannot read kubeconfig " + dir.resolve("nope") + ": service names and pods of other nodes are off "
                            + "(pass a readable --kubeconfig)");
        } finally {
            System.setProperty("user.home", home);
        }
    }

    /** The index follows the cluster while packets flow: a service created after the start names the next calls to it. */
    @Test
    void serviceCreatedWhileRunningNamesLaterCalls() throws Exception {
        var first = dir.resolve("first.pcap");
        var second = dir.resolve("second.pcap");
        try (var w = new PcapWriter(first, LinkTypes.ETHERNET)) {
            http(w, "10.244.2.3", 42000, "10.96.5.5", 80, "/before", "200 OK");
        }
        try (var w = new PcapWriter(second, LinkTypes.ETHERNET)) {
            http(w, "10.244.2.3", 42001, "10.96.5.5", 80, "/after", "200 OK");
        }
        var messages = new CopyOnWriteArrayList<Message>();
        var noRuntime = ContainerCollectionOptions.defaults()
                .withRuntimes(new RuntimeEndpoint(RuntimeKind.CONTAINERD, dir.resolve("svc-no-containerd.sock")));
        var index = ClusterAddresses.start(client, false, Duration.ofSeconds(5), w -> messages.clear());
        try (var names = PodEndpoints.start(noRuntime, index)) {
            var analyzer = new TrafficAnalyzer(names, messages::add);
            try (var source = new PcapFileSource(first)) {
                source.run(analyzer);
            }
            create(service("shop", "payments", "10.96.5.5", "api", 80, 8080));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (index.lookup("10.96.5.5").isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
            try (var source = new PcapFileSource(second)) {
                analyzer.run(source);
            }
        }
        assertThat(messages).extracting(Message::summary).containsExactly("GET /before", "GET /after");
        assertThat(messages.get(0).dst().service()).isNull();
        assertThat(messages.get(1).dst()).extracting(e -> e.service(), e -> e.namespace(), e -> e.portName())
                .containsExactly("payments", "shop", "api");
    }
}
