package dev.kscope.kube.debug;

import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kubectl itself as the oracle: the same debug request is made by kubectl and by kscope against the
 * same mock API server, and the bodies they send are compared field by field (after dropping what
 * only differs in JSON encoding: nulls, empty objects and lists, and false for Go's omitempty booleans).
 * Runs when a kubectl with debug profiles (1.27+) is on PATH; skipped otherwise.
 * Only the ephemeral patch can be compared this way: kubectl creates pod copies and node pods in
 * protobuf, which the mock server cannot read; those are compared against kubectl's source in
 * {@link ProfileTest} and {@link DebugPlannerTest}.
 */
class KubectlOracleTest {
    /** Non-pointer Go booleans with omitempty: kubectl leaves them out when false, fabric8 writes false. */
    private static final Set<String> OMITEMPTY_BOOLEANS = Set.of("stdin", "stdinOnce", "tty", "hostNetwork", "hostPID", "hostIPC");

    @TempDir
    Path dir;
    MockCluster cluster;
    Path kubeconfig;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(kubectlMinor() >= 27, "needs kubectl 1.27+ on PATH");
        cluster = new MockCluster();
        cluster.kubelet = null;
        cluster.createPod(Pods.web());
        cluster.client.nodes().resource(Pods.node()).create();
        serveDiscovery();
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                current-context: mock
                clusters: [{name: mock, cluster: {server: "http://localhost:%d"}}]
                users: [{name: dev, user: {token: t}}]
                contexts: [{name: mock, context: {cluster: mock, user: dev, namespace: shop}}]
                """.formatted(cluster.server.getPort()));
    }

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"legacy", "general", "baseline", "restricted", "netadmin", "sysadmin"})
    void ephemeralContainerMatchesKubectl(String profile) throws Exception {
        kubectl("debug", "web", "--image=busybox:1.36", "-c", "dbg", "--target=app", "--image-pull-policy=IfNotPresent", "--profile=" + profile, "--", "sh", "-c", "sleep 1");
        var theirs = lastWrite("PATCH");
        cluster.client.pods().inNamespace("shop").withName("web").withGracePeriod(0).delete(); // back to the pod without "dbg"
        cluster.createPod(Pods.web());
        var o = new DebugOptions();
        o.target = DebugTarget.parse("web");
        o.image = "busybox:1.36";
        o.container = "dbg";
        o.targetContainer = "app";
        o.imagePullPolicy = "IfNotPresent";
        o.args = List.of("sh", "-c", "sleep 1");
        o.profile = Profile.parse(profile);
        runKscope(o);
        var ours = lastWrite("PATCH");
        assertThat(theirs.body()).contains("\"name\":\"dbg\"", "\"targetContainerName\":\"app\"", "busybox:1.36");
        assertThat(ours.path()).isEqualTo(theirs.path());
        assertThat(ours.contentType()).isEqualTo(theirs.contentType());
        assertThat(normalize(spec(ours.body()))).isEqualTo(normalize(spec(theirs.body())));
    }

    private void runKscope(DebugOptions o) throws InterruptedException {
        var console = new Pods.Console("", Terminal.NONE);
        new DebugSession(cluster.client.adapt(io.fabric8.kubernetes.client.NamespacedKubernetesClient.class).inNamespace("shop"), o, console.io,
                DebugPlanner::randomSuffix).run();
    }

    private void kubectl(String... args) throws Exception {
        var cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir", dir.resolve("cache").toString()));
        cmd.addAll(List.of(args));
        var log = dir.resolve("kubectl.log");
        var p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var done = p.waitFor(30, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        assertThat(done && p.exitValue() == 0).as("kubectl " + String.join(" ", args) + ": " + Files.readString(log)).isTrue();
    }

    private MockCluster.Request lastWrite(String method) {
        var writes = cluster.writes().stream().filter(r -> r.method().equals(method)).toList();
        assertThat(writes).isNotEmpty();
        return writes.getLast();
    }

    @SuppressWarnings("unchecked")
    private static Object spec(String patch) {
        return ((Map<String, Object>) Serialization.unmarshal(patch, Map.class)).get("spec");
    }

    @SuppressWarnings("unchecked")
    private static String name(Map<String, Object> pod) {
        return (String) ((Map<String, Object>) pod.get("metadata")).get("name");
    }

    /** Drops nulls, empty objects/lists and omitempty falses, recursively. */
    @SuppressWarnings("unchecked")
    static Object normalize(Object v) {
        if (v instanceof Map<?, ?> m) {
            var out = new LinkedHashMap<String, Object>();
            for (var e : ((Map<String, Object>) m).entrySet()) {
                var n = normalize(e.getValue());
                if (n == null || Boolean.FALSE.equals(n) && OMITEMPTY_BOOLEANS.contains(e.getKey())) continue;
                out.put(e.getKey(), n);
            }
            return out.isEmpty() ? null : out;
        }
        if (v instanceof List<?> l) {
            var out = new ArrayList<>();
            for (var x : l) {
                var n = normalize(x);
                if (n != null) out.add(n);
            }
            return out.isEmpty() ? null : out;
        }
        return v;
    }

    /** Just enough discovery for kubectl's REST mapper: core/v1 pods, nodes and namespaces. */
    private void serveDiscovery() {
        cluster.overrides.put("GET /api", r -> json("{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"localhost\"}]}"));
        cluster.overrides.put("GET /apis", r -> json("{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}"));
        cluster.overrides.put("GET /api/v1", r -> json("""
                {"kind":"APIResourceList","groupVersion":"v1","resources":[
                 {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["po"]},
                 {"name":"pods/ephemeralcontainers","singularName":"","namespaced":true,"kind":"Pod","verbs":["get","patch","update"]},
                 {"name":"pods/attach","singularName":"","namespaced":true,"kind":"PodAttachOptions","verbs":["create","get"]},
                 {"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["get","list","watch"],"shortNames":["no"]},
                 {"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["get","list"],"shortNames":["ns"]}]}
                """));
    }

    private static io.fabric8.mockwebserver.http.MockResponse json(String body) {
        return new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(body);
    }

    static int kubectlMinor() {
        try {
            var p = new ProcessBuilder("kubectl", "version", "--client", "-o", "json").redirectErrorStream(true).start();
            var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) return -1;
            var m = java.util.regex.Pattern.compile("\"minor\"\\s*:\\s*\"(\\d+)").matcher(out);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
