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
        // Ctrl-C (0x03) must reach the container, not stop kscope; then the shell gets "exit" and Enter.
        var console = new Pods.Console("ls\r\u0003exit\r", terminal);

        int code = session(o, console).run();

        assertThat(code).isEqualTo(3);
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
        assertThat(attach.resizes).contains("{\"Width\":120,\"Height\":40}");
        assertThat(console.out()).contains("debug shell ready").contains("ls");
        assertThat(console.err()).contains("Defaulting debug container name to debugger-x7k2q.");
        assertThat(cluster.writes()).extracting(MockCluster.Request::method).containsExactly("PATCH");
    }

    static final class FakeTerminal implements Terminal {
        final int cols, rows;
        Runnable resize;
        boolean raw, restored;

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
