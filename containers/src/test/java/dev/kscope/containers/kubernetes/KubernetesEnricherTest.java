package dev.kscope.containers.kubernetes;

import dev.kscope.containers.Container;
import dev.kscope.containers.ContainerCollectionOptions.KubernetesMode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@EnableKubernetesMockClient(crud = true)
class KubernetesEnricherTest {
    static KubernetesClient client;
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING); // one INFO line per request otherwise
    }

    private static io.fabric8.kubernetes.api.model.OwnerReference controllerRef(String apiVersion, String kind, String name) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(name)
                .withUid(UUID.randomUUID().toString()).withController(true).build();
    }

    private static String pod(String ns, String name, String node, io.fabric8.kubernetes.api.model.OwnerReference owner) {
        var uid = UUID.randomUUID().toString();
        var b = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).withUid(uid).addToLabels("app", name)
                .endMetadata().withNewSpec().withNodeName(node).endSpec();
        if (owner != null) b.editMetadata().withOwnerReferences(owner).endMetadata();
        var created = client.pods().inNamespace(ns).resource(b.build()).create();
        return created.getMetadata().getUid();
    }

    private static Container container(String ns, String pod, String uid) {
        return new Container("containerd", "c".repeat(64), "main", "img", pod, ns, uid, Map.of(), 10, 20, 30, "/", null, "");
    }

    private static <T extends HasMetadata> void create(String ns, T object) {
        client.resource(object).inNamespace(ns).create();
    }

    @Test
    void followsOwnersUpToTheWorkloadAndNamesTheNode() {
        create("shop", new ReplicaSetBuilder().withNewMetadata().withName("web-5d9c").withNamespace("shop")
                .withOwnerReferences(controllerRef("apps/v1", "Deployment", "web")).endMetadata().build());
        create("shop", new JobBuilder().withNewMetadata().withName("report-2911").withNamespace("shop")
                .withOwnerReferences(controllerRef("batch/v1", "CronJob", "report")).endMetadata().build());
        var warnings = new ArrayList<String>();
        var enricher = KubernetesEnricher.create(KubernetesMode.ON, null, client, warnings::add).orElseThrow();

        var web = pod("shop", "web-5d9c-x7k2p", "node-a", controllerRef("apps/v1", "ReplicaSet", "web-5d9c"));
        var db = pod("shop", "db-0", "node-b", controllerRef("apps/v1", "StatefulSet", "db"));
        var agent = pod("kube-system", "agent-q8z", "node-a", controllerRef("apps/v1", "DaemonSet", "agent"));
        var report = pod("shop", "report-2911-abcde", "node-c", controllerRef("batch/v1", "Job", "report-2911"));
        var bare = pod("shop", "debug", "node-a", null);

        assertThat(enricher.pod(container("shop", "web-5d9c-x7k2p", web)).orElseThrow())
                .extracting(KubernetesEnricher.PodInfo::owner, KubernetesEnricher.PodInfo::node)
                .containsExactly(new Container.Owner("Deployment", "web"), "node-a");
        assertThat(enricher.pod(container("shop", "db-0", db)).orElseThrow().owner()).isEqualTo(new Container.Owner("StatefulSet", "db"));
        assertThat(enricher.pod(container("kube-system", "agent-q8z", agent)).orElseThrow().owner()).isEqualTo(new Container.Owner("DaemonSet", "agent"));
        assertThat(enricher.pod(container("shop", "report-2911-abcde", report)).orElseThrow().owner()).isEqualTo(new Container.Owner("CronJob", "report"));
        assertThat(enricher.pod(container("shop", "debug", bare)).orElseThrow().owner()).isNull();
        assertThat(warnings).isEmpty();
    }

    @Test
    void podFoundFromProcOnlyIsNamedFromItsUid() {
        var uid = pod("shop", "cart-7f6d8-abcde", "node-a", null);
        var enricher = KubernetesEnricher.create(KubernetesMode.ON, null, client, w -> { }).orElseThrow();
        var info = enricher.pod(container("", "", uid)).orElseThrow();
        assertThat(info.name()).isEqualTo("cart-7f6d8-abcde");
        assertThat(info.namespace()).isEqualTo("shop");
        assertThat(info.labels()).containsEntry("app", "cart-7f6d8-abcde");
    }

    @Test
    void apiServerDownGivesOneWarningAndNoRetryStorm() {
        // port 23001 (this area's range): nothing listens there
        var config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:23001").withTrustCerts(true)
                .withRequestRetryBackoffLimit(0).withConnectionTimeout(2000).withRequestTimeout(3000).build();
        try (var down = new KubernetesClientBuilder().withConfig(config).build()) {
            var warnings = new ArrayList<String>();
            var enricher = KubernetesEnricher.create(KubernetesMode.ON, null, down, warnings::add).orElseThrow();
            assertThat(enricher.pod(container("shop", "web", UUID.randomUUID().toString()))).isEmpty();
            var start = System.nanoTime();
            for (int i = 0; i < 100; i++) assertThat(enricher.pod(container("shop", "web" + i, UUID.randomUUID().toString()))).isEmpty();
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms for 100 lookups while cooling down").isLessThan(200);
            assertThat(warnings).hasSize(1);
            assertThat(warnings.getFirst()).contains("https://127.0.0.1:23001").contains("failed (").contains("next try in 60 s");
        }
    }

    @Test
    void noKubeconfigIsSilentInAutoModeAndOneWarningWhenAskedFor() {
        var warnings = new ArrayList<String>();
        assertThat(KubernetesEnricher.create(KubernetesMode.AUTO, Path.of("/nonexistent/kubeconfig"), null, warnings::add)).isEmpty();
        assertThat(warnings).singleElement().asString().contains("cannot read kubeconfig /nonexistent/kubeconfig");
        assertThat(KubernetesEnricher.create(KubernetesMode.OFF, null, null, warnings::add)).isEmpty();
        assertThat(warnings).hasSize(1);
    }
}
