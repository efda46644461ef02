package dev.kscope.containers;

import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.testnode.TestNode;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.kscope.containers.ContainerCollectionTest.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

/** A real pod on the real node, its Deployment and node from a mock API server (the only thing mocked). */
@Tag("root")
@EnableKubernetesMockClient
class CollectionKubernetesTest {
    static final String NS = "containers-k8s";
    static KubernetesClient client;
    static KubernetesMockServer server;
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    static ContainerCollectionOptions options(CopyOnWriteArrayList<String> warnings) {
        return ContainerCollectionOptions.defaults()
                .withRuntimes(new RuntimeEndpoint(RuntimeKind.CONTAINERD, TestNode.shared().criSocket()))
                .withResync(Duration.ofMillis(500))
                .withWarnings(warnings::add);
    }

    @Test
    void podOwnerAndNodeComeFromTheApiServer() throws Exception {
        var node = TestNode.shared();
        var pod = node.runPod(NS, "web-5d9c-x7k2p", "nginx", "sleep", "3600");
        try {
            // expectations, not CRUD mode: the pod object must carry the real pod's UID
            server.expect().get().withPath("/apis/apps/v1/namespaces/" + NS + "/replicasets/web-5d9c")
                    .andReturn(200, new ReplicaSetBuilder().withNewMetadata().withName("web-5d9c").withNamespace(NS)
                            .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                                    .withName("web").withUid("d-1").withController(true).build()).endMetadata().build()).always();
            server.expect().get().withPath("/api/v1/namespaces/" + NS + "/pods/web-5d9c-x7k2p")
                    .andReturn(200, new PodBuilder().withNewMetadata().withName("web-5d9c-x7k2p").withNamespace(NS)
                            .withUid(pod.uid()).addToLabels("app", "web").withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1")
                                    .withKind("ReplicaSet").withName("web-5d9c").withUid("rs-1").withController(true).build())
                            .endMetadata().withNewSpec().withNodeName("node-7").endSpec().build()).always();
            var warnings = new CopyOnWriteArrayList<String>();
            try (var collection = ContainerCollection.start(options(warnings).withKubernetesClient(client))) {
                try {
                    awaitUntil(() -> collection.byId(pod.containerId()).map(c -> c.owner() != null).orElse(false), Duration.ofSeconds(5));
                } catch (AssertionError e) {
                    throw new AssertionError("no owner on " + collection.byId(pod.containerId()) + "; warnings " + warnings, e);
                }
                var c = collection.byId(pod.containerId()).orElseThrow();
                assertThat(c.owner()).isEqualTo(new Container.Owner("Deployment", "web"));
                assertThat(c.node()).isEqualTo("node-7");
                assertThat(c.podName()).isEqualTo("web-5d9c-x7k2p");
                assertThat(c.pid()).isPositive();
                assertThat(warnings).isEmpty();
            }
        } finally {
            node.removePod(pod);
        }
    }

    @Test
    void enrichmentCatchesUpWhenTheApiServerAnswersAgain() throws Exception {
        var node = TestNode.shared();
        var pod = node.runPod(NS, "db-0", "postgres", "sleep", "3600");
        try {
            var path = "/api/v1/namespaces/" + NS + "/pods/db-0";
            server.expect().get().withPath(path).andReturn(403, "pods \"db-0\" is forbidden").once(); // not retried by the client, unlike 5xx
            server.expect().get().withPath(path).andReturn(200, new PodBuilder().withNewMetadata().withName("db-0").withNamespace(NS)
                    .withUid(pod.uid()).withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet")
                            .withName("db").withUid("ss-1").withController(true).build())
                    .endMetadata().withNewSpec().withNodeName("node-3").endSpec().build()).always();
            var warnings = new CopyOnWriteArrayList<String>();
            try (var collection = ContainerCollection.start(options(warnings).withKubernetesClient(client)
                    .withKubernetesRetry(Duration.ofMillis(700)))) {
                awaitUntil(() -> collection.byId(pod.containerId()).map(c -> c.owner() != null).orElse(false), Duration.ofSeconds(5));
                assertThat(collection.byId(pod.containerId()).orElseThrow().owner()).isEqualTo(new Container.Owner("StatefulSet", "db"));
                assertThat(warnings).singleElement().asString().contains("failed (").contains("next try in 0 s");
            }
        } finally {
            node.removePod(pod);
        }
    }

    @Test
    void apiServerDownLeavesEverythingElseWorkingWithOneWarning() throws Exception {
        var node = TestNode.shared();
        var pod = node.runPod(NS, "lonely", "main", "sleep", "3600");
        var config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:23002").withTrustCerts(true)
                .withRequestRetryBackoffLimit(0).withConnectionTimeout(1000).withRequestTimeout(1000).build();
        try (var down = new KubernetesClientBuilder().withConfig(config).build()) {
            var warnings = new CopyOnWriteArrayList<String>();
            try (var collection = ContainerCollection.start(options(warnings).withKubernetesClient(down))) {
                var c = collection.byId(pod.containerId()).orElseThrow();
                assertThat(c.podName()).isEqualTo("lonely");
                assertThat(c.owner()).isNull();
                awaitUntil(() -> !warnings.isEmpty(), Duration.ofSeconds(5));
                var late = node.runPod(NS, "lonely-late", "main", "sleep", "3600");
                try {
                    awaitUntil(() -> collection.byId(late.containerId()).isPresent(), Duration.ofSeconds(3));
                    Thread.sleep(1500); // several resyncs
                } finally {
                    node.removePod(late);
                }
                assertThat(warnings).singleElement().asString().contains("Kubernetes API at https://127.0.0.1:23002").contains("failed (");
            }
        } finally {
            node.removePod(pod);
        }
    }
}
