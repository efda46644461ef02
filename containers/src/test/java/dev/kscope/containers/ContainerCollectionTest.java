package dev.kscope.containers;

import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The collection against the real node: containerd over CRI, podman over the Docker API, and /proc. */
@Tag("root")
class ContainerCollectionTest {
    static final String NS = "containers-test";
    static TestNode node;
    static TestNode.Pod web;
    static TestNode.Pod client;

    @BeforeAll
    static void pods() {
        node = TestNode.shared();
        web = node.runPod(new TestNode.PodSpec(NS, "web", "httpd", List.of("httpd", "-f", "-p", "8080", "-h", "/var/www"),
                Map.of("app", "web", "tier", "front")));
        client = node.runPod(NS, "client", "shell", "sleep", "3600");
    }

    @AfterAll
    static void cleanup() {
        if (web != null) node.removePod(web);
        if (client != null) node.removePod(client);
    }

    static ContainerCollectionOptions containerd(List<String> warnings) {
        return ContainerCollectionOptions.defaults()
                .withRuntimes(new RuntimeEndpoint(RuntimeKind.CONTAINERD, node.criSocket()))
                .withKubernetes(ContainerCollectionOptions.KubernetesMode.OFF, null)
                .withResync(Duration.ofMillis(300))
                .withWarnings(warnings::add);
    }

    static long ns(int pid, String kind) throws Exception {
        var link = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind)).toString();
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }

    @Test
    void listsThePodsWithPodNamespaceContainerPidAndNamespaces() throws Exception {
        var warnings = new CopyOnWriteArrayList<String>();
        try (var collection = ContainerCollection.start(containerd(warnings))) {
            var found = collection.select(ContainerSelector.pod(NS, "web"));
            assertThat(found).hasSize(1);
            var c = found.getFirst();
            var pid = node.pid(web.containerId());
            assertThat(c.runtime()).isEqualTo("containerd");
            assertThat(c.id()).isEqualTo(web.containerId());
            assertThat(c.name()).isEqualTo("httpd");
            assertThat(c.podName()).isEqualTo("web");
            assertThat(c.namespace()).isEqualTo(NS);
            assertThat(c.podUid()).isEqualTo(web.uid());
            assertThat(c.image()).isEqualTo(TestNode.IMAGE);
            assertThat(c.labels()).containsEntry("app", "web").containsEntry("tier", "front").containsEntry("io.kubernetes.container.name", "httpd");
            assertThat(c.pid()).isEqualTo(pid);
            assertThat(c.mntns()).isEqualTo(ns(pid, "mnt")).isNotEqualTo(collection.hostMntns());
            assertThat(c.netns()).isEqualTo(ns(pid, "net"));
            assertThat(c.cgroupPath()).isEqualTo("/kubepods/besteffort/pod" + web.uid() + "/" + web.containerId());
            assertThat(collection.byMntns(c.mntns())).contains(c);
            assertThat(collection.byNetns(c.netns())).contains(c);

            var shell = collection.select(new ContainerSelector(NS, null, "shell", List.of(), false));
            assertThat(shell).singleElement().extracting(Container::podName).isEqualTo("client");
            assertThat(collection.select(new ContainerSelector(NS, null, null, ContainerSelector.parseLabels("app=web"), false)))
                    .containsExactly(c);
            assertThat(collection.select(ContainerSelector.pod(NS, "nosuchpod"))).isEmpty();
            assertThat(collection.select(ContainerSelector.hostOnly())).isEmpty();
            // a process exec'd into the pod resolves to it by its mount namespace
            assertThat(collection.resolve(ns(pid, "mnt"), pid)).contains(c);
            assertThat(collection.resolve(collection.hostMntns(), 1)).isEmpty();
            assertThat(warnings).isEmpty();
        }
    }

    @Test
    void aContainerStartedWhileRunningIsAddedRightAwayAndRemovedWhenItStops() throws Exception {
        var added = new ConcurrentHashMap<String, Long>();
        var removed = new CountDownLatch(1);
        var warnings = new CopyOnWriteArrayList<String>();
        try (var collection = ContainerCollection.start(containerd(warnings).withResync(Duration.ofSeconds(30)))) {
            collection.addListener(new ContainerListener() {
                public void added(Container c) {
                    added.putIfAbsent(c.id(), System.nanoTime());
                }

                public void removed(Container c) {
                    if (c.podName().equals("late")) removed.countDown();
                }
            });
            var late = node.runPod(NS, "late", "main", "sleep", "3600");
            try {
                // resync is 30 s away: only the cgroup watch can find it this fast
                awaitUntil(() -> added.containsKey(late.containerId()), Duration.ofSeconds(3));
                var latencyMs = (added.get(late.containerId()) - late.startReturnedNanos()) / 1e6;
                assertThat(latencyMs).as("ms from StartContainer returning to the listener firing").isLessThan(1000);
                var c = collection.byId(late.containerId()).orElseThrow();
                assertThat(c.podName()).isEqualTo("late");
                assertThat(c.name()).isEqualTo("main");
                var latePid = node.pid(late.containerId());
                assertThat(c.mntns()).as("%s vs pid %d", c, latePid).isEqualTo(ns(latePid, "mnt"));
            } finally {
                node.removePod(late);
            }
            assertThat(removed.await(5, TimeUnit.SECONDS)).as("removed() fired").isTrue();
            assertThat(collection.byId(late.containerId())).isEmpty();
            assertThat(warnings).isEmpty();
        }
    }

    @Test
    void followDeliversTheMatchingContainersNowAndLaterOnly() throws Exception {
        var warnings = new CopyOnWriteArrayList<String>();
        var seen = new CopyOnWriteArrayList<String>();
        try (var collection = ContainerCollection.start(containerd(warnings))) {
            collection.follow(new ContainerSelector(NS, null, null, ContainerSelector.parseLabels("app in (web,web2)"), false),
                    new ContainerListener() {
                        public void added(Container c) {
                            seen.add("+" + c.podName());
                        }

                        public void removed(Container c) {
                            seen.add("-" + c.podName());
                        }
                    });
            assertThat(seen).containsExactly("+web");
            var other = node.runPod(NS, "other", "main", "sleep", "3600");
            var web2 = node.runPod(NS, "web2", "main", "sleep", "3600");
            awaitUntil(() -> seen.contains("+web2"), Duration.ofSeconds(3));
            node.removePod(web2);
            node.removePod(other);
            awaitUntil(() -> seen.contains("-web2"), Duration.ofSeconds(5));
            assertThat(seen).containsExactly("+web", "+web2", "-web2");
        }
    }

    @Test
    void resolveAsksTheRuntimeForAnEventFromAContainerNotKnownYet() throws Exception {
        var warnings = new CopyOnWriteArrayList<String>();
        // no cgroup watching and a resync far away: the collection cannot have seen the new pod by itself
        var options = containerd(warnings).withResync(Duration.ofSeconds(60));
        options = new ContainerCollectionOptions(options.runtimes(), true, options.kubernetes(), null, null, options.resync(),
                options.procRoot(), Path.of("/nonexistent-cgroup-root"), null, options.warnings(), options.kubernetesRetry());
        try (var collection = ContainerCollection.start(options)) {
            var fresh = node.runPod(NS, "fresh", "main", "sleep", "3600");
            try {
                assertThat(collection.byId(fresh.containerId())).isEmpty();
                var pid = node.pid(fresh.containerId());
                var exec = node.exec(fresh.containerId(), "sh", "-c", "readlink /proc/$$/ns/mnt; echo $$");
                var resolved = collection.resolve(ns(pid, "mnt"), pid).orElseThrow();
                assertThat(resolved.podName()).isEqualTo("fresh");
                assertThat(resolved.name()).isEqualTo("main");
                assertThat(resolved.mntns()).isEqualTo(ns(pid, "mnt"));
                assertThat(exec.stdout()).contains("mnt:[" + resolved.mntns() + "]");
                assertThat(collection.byMntns(resolved.mntns())).contains(resolved);
                // a process that is already gone resolves to nothing rather than to a wrong container
                assertThat(collection.resolve(123456789L, 32767 * 4)).isEmpty();
            } finally {
                node.removePod(fresh);
            }
        }
    }

    @Test
    void withContainerdStoppedProcFallbackStillNamesPodUidAndContainerId() throws Exception {
        var pid = node.pid(web.containerId());
        node.stopContainerd();
        try {
            var warnings = new CopyOnWriteArrayList<String>();
            try (var collection = ContainerCollection.start(containerd(warnings))) {
                var c = collection.byId(web.containerId()).orElseThrow();
                assertThat(c.runtime()).isEqualTo("proc");
                assertThat(c.podUid()).isEqualTo(web.uid());
                assertThat(c.pid()).isEqualTo(pid);
                assertThat(c.mntns()).isEqualTo(ns(pid, "mnt"));
                assertThat(collection.byId(client.containerId())).isPresent();
                assertThat(warnings).anyMatch(w -> w.startsWith("containerd at " + node.criSocket() + " does not answer"));
                assertThat(warnings).anyMatch(w -> w.contains("found from /proc and cgroups"));
            }
        } finally {
            node.startContainerd();
        }
    }

    @Test
    void containerdRestartMidRunWarnsOnceKeepsWhatIsKnownAndCatchesUp() throws Exception {
        var warnings = new CopyOnWriteArrayList<String>();
        try (var collection = ContainerCollection.start(containerd(warnings))) {
            var before = collection.select(ContainerSelector.pod(NS, "web"));
            assertThat(before).hasSize(1);
            node.stopContainerd();
            try {
                awaitUntil(() -> warnings.stream().anyMatch(w -> w.contains("does not answer")), Duration.ofSeconds(5));
                Thread.sleep(1000); // several resyncs against the dead socket
                assertThat(warnings).filteredOn(w -> w.contains("does not answer")).hasSize(1);
                assertThat(collection.select(ContainerSelector.pod(NS, "web"))).isEqualTo(before);
            } finally {
                node.startContainerd();
            }
            awaitUntil(() -> warnings.stream().anyMatch(w -> w.contains("answers again")), Duration.ofSeconds(10));
            var after = node.runPod(NS, "after-restart", "main", "sleep", "3600");
            try {
                awaitUntil(() -> collection.byId(after.containerId()).isPresent(), Duration.ofSeconds(5));
                assertThat(collection.byId(after.containerId()).orElseThrow().runtime()).isEqualTo("containerd");
                assertThat(collection.select(ContainerSelector.pod(NS, "web"))).isEqualTo(before);
            } finally {
                node.removePod(after);
            }
        }
    }

    @Test
    void podmanContainersAreFoundThroughTheDockerApi() throws Exception {
        var podman = node.podman();
        var name = "containers-api-web";
        var id = podman.run(name, Map.of("app", "dockerweb"), "httpd", "-f", "-p", "8080");
        var warnings = new CopyOnWriteArrayList<String>();
        try (var collection = ContainerCollection.start(ContainerCollectionOptions.defaults()
                .withRuntimes(new RuntimeEndpoint(RuntimeKind.PODMAN, podman.socket()))
                .withKubernetes(ContainerCollectionOptions.KubernetesMode.OFF, null)
                .withResync(Duration.ofSeconds(30))
                .withWarnings(warnings::add))) {
            var c = collection.byId(id).orElseThrow();
            var pid = podman.pid(name);
            assertThat(c.runtime()).isEqualTo("podman");
            assertThat(c.name()).isEqualTo(name);
            assertThat(c.image()).isEqualTo(TestNode.IMAGE);
            assertThat(c.labels()).containsEntry("app", "dockerweb");
            assertThat(c.pid()).isEqualTo(pid);
            assertThat(c.mntns()).isEqualTo(ns(pid, "mnt"));
            assertThat(c.inPod()).isFalse();

            var added = new CountDownLatch(1);
            collection.addListener(new ContainerListener() {
                public void added(Container x) {
                    if (x.name().equals("containers-api-late")) added.countDown();
                }

                public void removed(Container x) {
                }
            });
            var lateId = podman.run("containers-api-late", Map.of(), "sleep", "3600");
            try {
                assertThat(added.await(5, TimeUnit.SECONDS)).as("listener fired for a podman container started later").isTrue();
                assertThat(collection.byId(lateId)).isPresent();
            } finally {
                podman.rm("containers-api-late");
            }
            awaitUntil(() -> collection.byId(lateId).isEmpty(), Duration.ofSeconds(5));
            assertThat(warnings).isEmpty();
        } finally {
            podman.rm(name);
        }
    }

    static void awaitUntil(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        var deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within " + timeout);
            Thread.sleep(5);
        }
    }
}
