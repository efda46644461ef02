package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DebugSessionTest {
    MockCluster cluster;

    @BeforeEach
    void start() {
        cluster = new MockCluster();
        cluster.createPod(Pods.web());
        cluster.client.nodes().resource(Pods.node()).create();
        cluster.requests.clear();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    DebugOptions options(String target) {
        var o = new DebugOptions();
        o.target = DebugTarget.parse(target);
        return o;
    }

    DebugSession session(DebugOptions o, Pods.Console console) {
        return new DebugSession(cluster.client.adapt(io.fabric8.kubernetes.client.NamespacedKubernetesClient.class).inNamespace("shop"), o, console.io, () -> "x7k2q");
    }

    @Test
    void ephemeralContainerIsPatchedInWaitedForAndAttachedWithResizeAndCtrlCPassthrough() throws Exception {
        var attach = new FakeAttach(3);
        cluster.attach = attach;
        var o = options("web");
        o.image = "busybox:1.36";
        o.stdin = true;
        o.tty = true;
        o.targetContainer = "app";
        var terminal = new FakeTerminal(120, 40);
        var keyboard = new Pods.Console.Keyboard();
        var console = new Pods.Console(keyboard, terminal);
        var result = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return session(o, console).run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(attach.opened.await(20, TimeUnit.SECONDS)).isTrue();
        keyboard.type("ls\r");
        // The window shrinks: SIGWINCH reaches the terminal, kscope sends the new size on the resize channel.
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (terminal.resize == null && System.nanoTime() < deadline) Thread.sleep(10);
        terminal.cols = 100;
        terminal.rows = 30;
        terminal.resize.run();
        // Ctrl-C (0x03) must reach the container, not stop kscope; then the shell gets "exit" and Enter.
        keyboard.type("\u0003exit\r");
        int code = result.get(20, TimeUnit.SECONDS);

        assertThat(code).as(console.err()).isEqualTo(3);
        var patch = cluster.requests.stream().filter(r -> r.method().equals("PATCH")).toList();
        assertThat(patch).hasSize(1);
        assertThat(patch.getFirst().path()).isEqualTo("/api/v1/namespaces/shop/pods/web/ephemeralcontainers");
        assertThat(patch.getFirst().contentType()).startsWith("application/strategic-merge-patch+json");
        Map<String, Object> body = Serialization.unmarshal(patch.getFirst().body(), Map.class);
        assertThat(body).containsOnlyKeys("spec");
        @SuppressWarnings("unchecked")
        var ecs = (List<Object>) ((Map<String, Object>) body.get("spec")).get("ephemeralContainers");
        var ec = Serialization.unmarshal(Serialization.asJson(ecs.getFirst()), EphemeralContainer.class);
        assertThat(ec.getName()).isEqualTo("debugger-x7k2q");
        assertThat(ec.getImage()).isEqualTo("busybox:1.36");
        assertThat(ec.getTargetContainerName()).isEqualTo("app");
        assertThat(ec.getStdin()).isTrue();
        assertThat(ec.getTty()).isTrue();
        assertThat(ec.getSecurityContext().getCapabilities().getAdd()).containsExactly("SYS_PTRACE");

        assertThat(attach.requestPath).startsWith("/api/v1/namespaces/shop/pods/web/attach?")
                .contains("container=debugger-x7k2q").contains("stdin=true").contains("stdout=true").contains("tty=true");
        assertThat(attach.stdinText()).isEqualTo("ls\r\u0003exit\r");
        assertThat(attach.resizes).containsExactly("{\"Width\":120,\"Height\":40}", "{\"Width\":100,\"Height\":30}");
        assertThat(terminal.raw).isTrue();
        assertThat(terminal.restored).isTrue();
        assertThat(console.out()).contains("debug shell ready").contains("ls");
        assertThat(console.err()).contains("Defaulting debug container name to debugger-x7k2q.");
        assertThat(cluster.writes()).extracting(MockCluster.Request::method).containsExactly("PATCH");
    }

    static final String PATCH_PATH = "PATCH /api/v1/namespaces/shop/pods/web/ephemeralcontainers";

    List<String> writes() {
        return cluster.writes().stream().map(r -> r.method() + " " + r.path().replaceAll("\\?.*", "")).toList();
    }

    KscopeException failure(DebugOptions o) {
        var console = new Pods.Console("", Terminal.NONE);
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(KscopeException.class, () -> session(o, console).run());
        assertThat(e).as("expected the session to fail; stderr: " + console.err()).isNotNull();
        return e;
    }

    DebugOptions interactive(String target) {
        var o = options(target);
        o.stdin = true;
        return o;
    }

    @Test
    void featureOffIs404WithoutDetailsOnTheSubresource() {
        cluster.overrides.put(PATCH_PATH, r -> MockCluster.status(404, "NotFound", "the server could not find the requested resource"));
        assertThat(failure(interactive("web")).getMessage()).isEqualTo(
                "ephemeral containers are disabled for this cluster (the API server has no pods/ephemeralcontainers subresource;"
                        + " enable the EphemeralContainers feature gate on Kubernetes < 1.25, or debug a copy with --copy-to NAME)");
        assertThat(writes()).containsExactly(PATCH_PATH);
    }

    @Test
    void rbacForbiddenSaysWhoToAsk() {
        cluster.overrides.put(PATCH_PATH, r -> MockCluster.status(403, "Forbidden",
                "pods \"web\" is forbidden: User \"dev\" cannot patch resource \"pods/ephemeralcontainers\" in API group \"\" in the namespace \"shop\"", "web"));
        assertThat(failure(interactive("web")).getMessage()).isEqualTo(
                "cannot add ephemeral container debugger-x7k2q to pod web in namespace shop: forbidden by RBAC: pods \"web\" is forbidden: User \"dev\""
                        + " cannot patch resource \"pods/ephemeralcontainers\" in API group \"\" in the namespace \"shop\""
                        + " (ask a cluster admin to grant you that verb on that resource, check with 'kubectl auth can-i')");
    }

    @Test
    void admissionDeniedPointsAtTheProfiles() {
        cluster.overrides.put(PATCH_PATH, r -> MockCluster.status(403, "Forbidden",
                "pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": unrestricted capabilities", "web"));
        assertThat(failure(interactive("web")).getMessage()).startsWith("cannot add ephemeral container debugger-x7k2q to pod web in namespace shop: admission denied:")
                .endsWith("(choose a profile the namespace allows, e.g. --profile auto, baseline or restricted)");
    }

    @Test
    void imagePullErrorIsReportedInsteadOfWaitingForever() {
        cluster.kubelet = name -> name.startsWith("debugger") ? MockCluster.waiting("ErrImagePull", "rpc error: pull access denied for nope") : MockCluster.running();
        var o = interactive("web");
        o.image = "nope:1";
        assertThat(failure(o).getMessage()).isEqualTo("container debugger-x7k2q in pod web cannot start: its image cannot be pulled: ErrImagePull:"
                + " rpc error: pull access denied for nope (check the image name and the registry's access, or pick another --image)");
        assertThat(writes()).containsExactly(PATCH_PATH);
    }

    @Test
    void podThatIsNotRunningGetsNoRequestAtAll() {
        var done = Pods.web();
        done.getMetadata().setName("batch");
        done.getStatus().setPhase("Failed");
        cluster.createPod(done);
        cluster.requests.clear();
        assertThat(failure(interactive("batch")).getMessage()).startsWith("pod batch is not running (phase Failed)");
        assertThat(writes()).isEmpty();
    }

    @Test
    void unknownPodAndNodeSayHowToFindThem() {
        assertThat(failure(interactive("nope")).getMessage())
                .isEqualTo("pod \"nope\" not found in namespace \"shop\" (list pods with 'kubectl get pods -n shop', or pick the namespace with -n)");
        assertThat(failure(interactive("node/nope")).getMessage()).isEqualTo("node \"nope\" not found (list nodes with 'kubectl get nodes')");
        assertThat(writes()).isEmpty();
    }

    @Test
    void apiServerDownIsOneLine() {
        var config = new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl("https://127.0.0.1:20999").withNamespace("shop")
                .withRequestRetryBackoffLimit(0).withConnectionTimeout(2000).build();
        try (var down = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build()) {
            var console = new Pods.Console("", Terminal.NONE);
            var o = interactive("web");
            assertThatThrownBy(() -> new DebugSession(down, o, console.io, () -> "x7k2q").run())
                    .isInstanceOf(KscopeException.class)
                    .hasMessageStartingWith("cannot get pod web in namespace shop: the API server at https://127.0.0.1:20999/ is unreachable (")
                    .hasMessageEndingWith("; check that the cluster is up and that --context/kubeconfig point at it)");
        }
    }

    @Test
    void copyIsCreatedAttachedAndDeletedOnExit() throws Exception {
        cluster.attach = new FakeAttach(0);
        var o = interactive("web");
        o.copyTo = "web-debug";
        o.image = "busybox:1.36";
        var console = new Pods.Console("exit\r", Terminal.NONE);
        assertThat(session(o, console).run()).isZero();
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods", "DELETE /api/v1/namespaces/shop/pods/web-debug");
        var created = Serialization.unmarshal(cluster.writes().getFirst().body(), io.fabric8.kubernetes.api.model.Pod.class);
        var planned = ((DebugPlan.Copy) new DebugPlanner(o, Profile.GENERAL, () -> "x7k2q").planCopy(Pods.web())).pod();
        assertThat(Serialization.asJson(created)).isEqualTo(Serialization.asJson(planned));
        assertThat(cluster.writes().get(1).body()).contains("\"gracePeriodSeconds\":0");
        assertThat(cluster.client.pods().inNamespace("shop").withName("web-debug").get()).isNull();
        assertThat(console.err()).contains("Deleted debug pod web-debug.");
    }

    @Test
    void keepLeavesTheCopy() throws Exception {
        cluster.attach = new FakeAttach(0);
        var o = interactive("web");
        o.copyTo = "web-debug";
        o.keep = true;
        assertThat(session(o, new Pods.Console("exit\r", Terminal.NONE)).run()).isZero();
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods");
    }

    @Test
    void copyThatCannotStartIsDeletedEvenWithKeep() {
        cluster.kubelet = name -> MockCluster.waiting("InvalidImageName", "Failed to apply default image tag");
        var o = interactive("web");
        o.copyTo = "web-debug";
        o.keep = true;
        assertThat(failure(o).getMessage()).startsWith("container debugger-x7k2q in pod web-debug cannot start: its image cannot be pulled: InvalidImageName");
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods", "DELETE /api/v1/namespaces/shop/pods/web-debug");
    }

    @Test
    void replaceDeletesTheOriginalOnlyOnceTheCopyRuns() throws Exception {
        var o = options("web");
        o.copyTo = "web-debug";
        o.replace = true;
        o.setImages = Map.of("app", "shop/web:1.3-debug");
        o.container = "app";
        var console = new Pods.Console("", Terminal.NONE);
        assertThat(session(o, console).run()).isZero();
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods", "DELETE /api/v1/namespaces/shop/pods/web");
        assertThat(cluster.client.pods().inNamespace("shop").withName("web-debug").get()).isNotNull();
    }

    @Test
    void replaceKeepsTheOriginalWhenTheCopyCannotStart() {
        cluster.kubelet = name -> MockCluster.waiting("CreateContainerConfigError", "secret \"db\" not found");
        var o = options("web");
        o.copyTo = "web-debug";
        o.replace = true;
        assertThat(failure(o).getMessage()).contains("cannot start: it cannot be created: CreateContainerConfigError");
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods", "DELETE /api/v1/namespaces/shop/pods/web-debug");
        assertThat(cluster.client.pods().inNamespace("shop").withName("web").get()).isNotNull();
    }

    @Test
    void interruptWhileWaitingDeletesTheCopy() throws Exception {
        cluster.kubelet = null; // the container never starts
        var o = interactive("web");
        o.copyTo = "web-debug";
        var console = new Pods.Console("", Terminal.NONE);
        var thrown = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        var t = Thread.ofPlatform().start(() -> {
            try {
                session(o, console).run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!writes().contains("POST /api/v1/namespaces/shop/pods") && System.nanoTime() < deadline) Thread.sleep(20);
        Thread.sleep(200); // inside the watch
        t.interrupt();
        t.join(10_000);
        assertThat(thrown.get()).isInstanceOf(KscopeException.class).hasMessageStartingWith("interrupted while waiting for container debugger-x7k2q in pod web-debug");
        assertThat(((KscopeException) thrown.get()).exitCode()).isEqualTo(130);
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods", "DELETE /api/v1/namespaces/shop/pods/web-debug");
    }

    @Test
    void nameTakenIsNotDeleted() {
        var taken = Pods.web();
        taken.getMetadata().setName("web-debug");
        cluster.createPod(taken);
        cluster.requests.clear();
        var o = interactive("web");
        o.copyTo = "web-debug";
        assertThat(failure(o).getMessage()).startsWith("cannot create pod web-debug in namespace shop: a pod with that name already exists");
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods");
        assertThat(cluster.client.pods().inNamespace("shop").withName("web-debug").get()).isNotNull();
    }

    @Test
    void nodePodRunsInHostNamespacesAndIsDeletedOnExit() throws Exception {
        cluster.attach = new FakeAttach(0);
        var o = interactive("node/worker-1");
        o.tty = true;
        var console = new Pods.Console("exit\r", new FakeTerminal(80, 24));
        assertThat(session(o, console).run()).isZero();
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods", "DELETE /api/v1/namespaces/shop/pods/node-debugger-worker-1-x7k2q");
        var pod = Serialization.unmarshal(cluster.writes().getFirst().body(), io.fabric8.kubernetes.api.model.Pod.class);
        assertThat(pod.getSpec().getHostPID()).isTrue();
        assertThat(pod.getSpec().getHostNetwork()).isTrue();
        assertThat(pod.getSpec().getHostIPC()).isTrue();
        assertThat(pod.getSpec().getContainers().getFirst().getVolumeMounts().getFirst().getMountPath()).isEqualTo("/host");
        assertThat(pod.getSpec().getContainers().getFirst().getImage()).isEqualTo(DebugConfig.BUILTIN_IMAGE);
    }

    @Test
    void detachLeavesTheNodePodRunningAndSaysHowToComeBack() throws Exception {
        cluster.attach = new FakeAttach(0);
        var o = interactive("node/worker-1");
        o.tty = true;
        var console = new Pods.Console("uptime\r\u0010\u0011", new FakeTerminal(80, 24));
        assertThat(session(o, console).run()).isZero();
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods");
        assertThat(console.err()).contains("Detached; the debug container keeps running. Attach again with: kubectl attach node-debugger-worker-1-x7k2q -c debugger -n shop -i -t"
                + "; delete it with: kubectl delete pod node-debugger-worker-1-x7k2q -n shop");
        // The server side may see the last keystrokes a moment after kscope returned.
        var fake = (FakeAttach) cluster.attach;
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!fake.stdinText().equals("uptime\r") && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(fake.stdinText()).isEqualTo("uptime\r"); // the detach keys never reach the container
    }

    @Test
    void autoProfilePicksRestrictedInARestrictedNamespace() throws Exception {
        cluster.client.namespaces().resource(Pods.namespace("shop", "restricted")).create();
        cluster.requests.clear();
        var o = options("web");
        o.profile = Profile.AUTO;
        var console = new Pods.Console("", Terminal.NONE);
        session(o, console).run();
        assertThat(cluster.requests.getFirst().path()).isEqualTo("/api/v1/namespaces/shop/pods/web");
        assertThat(cluster.requests).extracting(MockCluster.Request::path).contains("/api/v1/namespaces/shop");
        var patch = cluster.writes().getFirst().body();
        assertThat(patch).contains("\"runAsNonRoot\":true").contains("\"drop\":[\"ALL\"]").doesNotContain("SYS_PTRACE");
        assertThat(console.err()).contains("Profile auto: namespace shop enforces Pod Security level \"restricted\", using --profile restricted.");
    }

    @Test
    void dryRunPrintsTheExactPatchAndSendsNothing() throws Exception {
        var o = options("web");
        o.profile = Profile.NETADMIN;
        var console = new Pods.Console("", Terminal.NONE);
        assertThat(session(o, console).dryRun(DebugSession.Output.JSON).run()).isZero();
        assertThat(writes()).isEmpty();
        var planned = (DebugPlan.Ephemeral) new DebugPlanner(o, Profile.NETADMIN, () -> "x7k2q").planEphemeral(Pods.web());
        assertThat(console.out().trim()).isEqualTo(Serialization.asJson(Serialization.unmarshal(planned.patch(), Map.class)));
        assertThat(console.err()).contains("# PATCH /api/v1/namespaces/shop/pods/web/ephemeralcontainers (Content-Type: application/strategic-merge-patch+json)");

        var copy = options("web");
        copy.copyTo = "web-debug";
        var yaml = new Pods.Console("", Terminal.NONE);
        session(copy, yaml).dryRun(DebugSession.Output.YAML).run();
        assertThat(yaml.out()).isEqualTo(Serialization.asYaml(((DebugPlan.Copy) new DebugPlanner(copy, Profile.GENERAL, () -> "x7k2q").planCopy(Pods.web())).pod()));
        assertThat(writes()).isEmpty();
    }

    @Test
    void shortCommandThatAlreadyExitedShowsItsLogsLikeKubectl() throws Exception {
        cluster.kubelet = name -> name.startsWith("debugger") ? MockCluster.terminated(4) : MockCluster.running();
        cluster.overrides.put("GET /api/v1/namespaces/shop/pods/web/log", r -> new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(200).setBody("hello from debug\n"));
        var o = options("web");
        o.attach = true;
        o.args = List.of("echo", "hello from debug");
        var console = new Pods.Console("", Terminal.NONE);
        assertThat(session(o, console).run()).isEqualTo(4);
        assertThat(console.out()).isEqualTo("hello from debug\n");
        assertThat(cluster.requests).extracting(MockCluster.Request::path).contains("/api/v1/namespaces/shop/pods/web/log?pretty=false&container=debugger-x7k2q");
    }

    @Test
    void copyWithoutAttachIsLeftRunningWithAHint() throws Exception {
        var o = options("web");
        o.copyTo = "web-debug";
        var console = new Pods.Console("", Terminal.NONE);
        session(o, console).run();
        assertThat(writes()).containsExactly("POST /api/v1/namespaces/shop/pods");
        assertThat(console.err()).contains("Not attached, so pod web-debug is left running; delete it with: kubectl delete pod web-debug -n shop");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.CsvSource({
            "legacy,ephemeral", "general,ephemeral", "baseline,ephemeral", "restricted,ephemeral", "netadmin,ephemeral", "sysadmin,ephemeral",
            "legacy,copy", "general,copy", "baseline,copy", "restricted,copy", "netadmin,copy", "sysadmin,copy",
            "legacy,node", "general,node", "baseline,node", "restricted,node", "netadmin,node", "sysadmin,node"})
    void theWireCarriesExactlyThePlanForEveryProfileAndMode(String profile, String mode) throws Exception {
        var o = options(mode.equals("node") ? "node/worker-1" : "web");
        o.profile = Profile.parse(profile);
        o.image = "busybox:1.36";
        if (mode.equals("copy")) o.copyTo = "web-debug";
        if (!mode.equals("ephemeral")) o.keep = true;
        var planner = new DebugPlanner(o, o.profile, () -> "x7k2q");
        var expected = switch (mode) {
            case "ephemeral" -> ((DebugPlan.Ephemeral) planner.planEphemeral(Pods.web())).patch();
            case "copy" -> Serialization.asJson(((DebugPlan.Copy) planner.planCopy(Pods.web())).pod());
            default -> Serialization.asJson(((DebugPlan.Node) planner.planNode(Pods.node(), "shop")).pod());
        };
        session(o, new Pods.Console("", Terminal.NONE)).run();
        assertThat(cluster.writes()).hasSize(1);
        var sent = cluster.writes().getFirst();
        assertThat(sent.method() + " " + sent.path()).isEqualTo(mode.equals("ephemeral")
                ? PATCH_PATH : "POST /api/v1/namespaces/shop/pods");
        assertThat(sent.body()).isEqualTo(expected);
    }

    @Test
    void explicitAttachToASetImageOnlyCopyIsAnErrorBeforeAnythingIsSent() {
        var o = options("web");
        o.copyTo = "web-debug";
        o.setImages = Map.of("*", "busybox:1.36");
        o.attach = true;
        assertThat(failure(o).getMessage()).isEqualTo("nothing to attach to: a --set-image-only copy has no debug container"
                + " (add --image IMAGE or --container NAME, or drop --attach)");
        assertThat(writes()).isEmpty();
    }

    @Test
    void autoProfileFallsBackToGeneralWhenTheNamespaceCannotBeRead() throws Exception {
        cluster.overrides.put("GET /api/v1/namespaces/shop", r -> MockCluster.status(403, "Forbidden",
                "namespaces \"shop\" is forbidden: User \"dev\" cannot get resource \"namespaces\"", "shop"));
        var o = options("web");
        o.profile = Profile.AUTO;
        var console = new Pods.Console("", Terminal.NONE);
        session(o, console).run();
        assertThat(cluster.writes().getFirst().body()).contains("SYS_PTRACE");
        assertThat(console.err()).contains("Warning: cannot read namespace shop to choose the profile (forbidden); using --profile general.");
    }

    static final class FakeTerminal implements Terminal {
        volatile int cols, rows;
        volatile Runnable resize;
        volatile boolean raw, restored;

        FakeTerminal(int cols, int rows) {
            this.cols = cols;
            this.rows = rows;
        }

        @Override
        public Optional<int[]> size() {
            return Optional.of(new int[]{cols, rows});
        }

        @Override
        public void onResize(Runnable listener) {
            resize = listener;
        }

        @Override
        public AutoCloseable raw() {
            raw = true;
            return () -> restored = true;
        }
    }
}
