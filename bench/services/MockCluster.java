import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * A mock API server (fabric8's, CRUD mode, with watches) holding a cluster for the naming benchmark: the services
 * behind bench/traffic's ClusterIPs (10.96.0.10-29) and its client pods (10.244.x.y), plus filler services, pods and
 * endpoint slices up to the sizes asked for. Prints READY, then serves until killed.
 * Usage: java -cp CP MockCluster.java PORT SERVICES PODS
 */
public class MockCluster {
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    public static void main(String[] args) throws Exception {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING); // one line per request otherwise
        int port = Integer.parseInt(args[0]), services = Integer.parseInt(args[1]), pods = Integer.parseInt(args[2]);
        var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        var client = server.createClient();
        var podsPerService = Math.max(1, pods / services);
        int pod = 0;
        for (int s = 0; s < services; s++) {
            var ns = "bench-" + (s % 10);
            var name = "svc-" + s;
            var clusterIp = s < 20 ? "10.96.0." + (10 + s) : "10.97." + (s / 250) + "." + (s % 250 + 1);
            create(client, new ServiceBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                    .withNewSpec().withClusterIP(clusterIp).withClusterIPs(clusterIp)
                    .withPorts(new ServicePortBuilder().withName("http").withPort(80).withTargetPort(new IntOrString(8080)).build()).endSpec().build());
            var endpoints = new ArrayList<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint>();
            for (int i = 0; i < podsPerService && pod < pods; i++, pod++) {
                var ip = "10.245." + (pod / 250) + "." + (pod % 250 + 1);
                create(client, pod(ns, name + "-" + i, ip));
                endpoints.add(new EndpointBuilder().withAddresses(ip)
                        .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withName(name + "-" + i).withNamespace(ns).build()).build());
            }
            create(client, new EndpointSliceBuilder().withNewMetadata().withName(name + "-abcde").withNamespace(ns)
                    .addToLabels("kubernetes.io/service-name", name).endMetadata().withAddressType("IPv4")
                    .withPorts(new EndpointPortBuilder().withName("http").withPort(8080).withProtocol("TCP").build())
                    .withEndpoints(endpoints).build());
        }
        // bench/traffic/GenHttpPcap's clients: 10.244.(1 + c % 200).(2 + c % 250) for connection c
        var clients = new java.util.LinkedHashSet<String>();
        for (int c = 0; c < 1000; c++) clients.add("10.244." + (1 + c % 200) + "." + (2 + c % 250));
        int i = 0;
        for (var ip : clients) create(client, pod("bench-clients", "client-" + i++, ip));
        System.out.println("READY " + services + " services, " + (pod + clients.size()) + " pods");
        System.out.flush();
        Thread.currentThread().join();
    }

    static HasMetadata pod(String ns, String name, String ip) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).addToLabels("app", name.replaceAll("-[0-9]+$", ""))
                .addToAnnotations("kubectl.kubernetes.io/last-applied-configuration", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}")
                .endMetadata()
                .withNewSpec().withNodeName("node-" + (Math.abs(name.hashCode()) % 20)).addNewContainer().withName("app")
                .withImage("registry.example/shop/" + name + ":1.0").addNewEnv().withName("MODE").withValue("bench").endEnv().endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).addNewPodIP(ip).endStatus().build();
    }

    static void create(io.fabric8.kubernetes.client.KubernetesClient client, HasMetadata o) {
        client.resource(o).create();
    }
}
