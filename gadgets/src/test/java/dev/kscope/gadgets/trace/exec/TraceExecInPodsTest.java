package dev.kscope.gadgets.trace.exec;

import dev.kscope.containers.ContainerCollection;
import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.ContainerScope;
import dev.kscope.containers.ContainerSelector;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.core.gadget.GadgetOptions;
import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** trace exec on the real container node: every event names its pod, and pod filters work in the kernel. */
@Tag("root")
class TraceExecInPodsTest {
    static TestNode node;
    static String ns;
    static TestNode.Pod web, client;

    @BeforeAll
    static void pods() {
        node = TestNode.shared();
        ns = "exec-" + UUID.randomUUID().toString().substring(0, 8);
        web = node.runPod(ns, "web", "httpd", "/bin/sleep", "3600");
        client = node.runPod(ns, "client", "main", "/bin/sleep", "3600");
    }

    @AfterAll
    static void cleanup() {
        if (web != null) node.removePod(web);
        if (client != null) node.removePod(client);
    }

    static ContainerCollection collection() {
        return ContainerCollection.start(ContainerCollectionOptions.defaults()
                .withRuntimes(List.of(new RuntimeEndpoint(RuntimeKind.CONTAINERD, node.criSocket())))
                .withKubernetes(ContainerCollectionOptions.KubernetesMode.OFF, null));
    }

    /** Traces while {@code action} runs; returns the events that satisfy {@code wanted}, waiting for {@code expected} of them. */
    static List<ExecEvent> trace(ContainerSelector selector, Runnable action, Predicate<ExecEvent> wanted, int expected) throws Exception {
        var events = new ConcurrentLinkedQueue<ExecEvent>();
        try (var collection = collection()) {
            var scope = new ContainerScope(collection, selector);
            try (var exec = new TraceExec(scope.apply(GadgetOptions.defaults()))) {
                exec.onEvent(e -> {
                    if (wanted.test(e)) events.add(e);
                });
                exec.start();
                scope.follow(exec);
                action.run();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (events.size() < expected && System.nanoTime() < deadline) Thread.sleep(20);
                Thread.sleep(300);
                scope.unfollow();
            }
        }
        return List.copyOf(events);
    }

    @Test
    void anExecInsideAPodCarriesItsPodNamespaceAndContainer() throws Exception {
        var marker = "marker-" + UUID.randomUUID();
        var events = trace(ContainerSelector.all(), () -> node.exec(web.containerId(), "/bin/echo", marker),
                e -> e.args().contains(marker), 1);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.args()).containsExactly("/bin/echo", marker);
            assertThat(e.container()).isNotNull();
            assertThat(e.container().namespace()).isEqualTo(ns);
            assertThat(e.container().pod()).isEqualTo("web");
            assertThat(e.container().containerName()).isEqualTo("httpd");
            assertThat(e.container().containerId()).isEqualTo(web.containerId());
            assertThat(e.container().podUid()).isEqualTo(web.uid());
            assertThat(e.container().runtime()).isEqualTo("containerd");
            assertThat(e.container().podLabels()).containsEntry("app", "web");
        });
    }

    @Test
    void aPodFilterShowsOnlyThatPodWhileAnotherIsBusy() throws Exception {
        var events = trace(ContainerSelector.pod(ns, "web"), () -> {
            for (int i = 0; i < 3; i++) {
                node.exec(client.containerId(), "/bin/echo", "client-" + i);
                node.exec(web.containerId(), "/bin/echo", "web-" + i);
            }
        }, e -> e.comm().equals("echo"), 3);
        assertThat(events).hasSize(3).allSatisfy(e -> {
            assertThat(e.container().pod()).isEqualTo("web");
            assertThat(e.args().get(1)).startsWith("web-");
        });
    }

    @Test
    void theEntrypointOfAPodStartedWhileTracingIsAttributed() throws Exception {
        var name = "late-" + UUID.randomUUID().toString().substring(0, 6);
        var late = new TestNode.Pod[1];
        try {
            var events = trace(ContainerSelector.pod(ns, name),
                    () -> late[0] = node.runPod(ns, name, "main", "/bin/sleep", "3600"),
                    e -> e.comm().equals("sleep"), 1);
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.args()).containsExactly("/bin/sleep", "3600");
                assertThat(e.container().pod()).isEqualTo(name);
                assertThat(e.container().namespace()).isEqualTo(ns);
                assertThat(e.container().containerName()).isEqualTo("main");
            });
        } finally {
            if (late[0] != null) node.removePod(late[0]);
        }
    }

    @Test
    void hostOnlyLeavesContainersOut() throws Exception {
        var marker = "host-" + UUID.randomUUID();
        var events = trace(ContainerSelector.hostOnly(), () -> {
            node.exec(web.containerId(), "/bin/echo", marker);
            try {
                new ProcessBuilder("/bin/echo", marker).start().waitFor();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, e -> e.args().contains(marker), 1);
        assertThat(events).singleElement().satisfies(e -> assertThat(e.container()).isNull());
    }
}
