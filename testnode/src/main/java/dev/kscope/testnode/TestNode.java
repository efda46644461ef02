package dev.kscope.testnode;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.cri.CriChannels;
import dev.kscope.cri.v1.ContainerConfig;
import dev.kscope.cri.v1.ContainerMetadata;
import dev.kscope.cri.v1.ContainerStatusRequest;
import dev.kscope.cri.v1.CreateContainerRequest;
import dev.kscope.cri.v1.DNSConfig;
import dev.kscope.cri.v1.ExecSyncRequest;
import dev.kscope.cri.v1.ImageSpec;
import dev.kscope.cri.v1.KeyValue;
import dev.kscope.cri.v1.LinuxContainerConfig;
import dev.kscope.cri.v1.LinuxContainerSecurityContext;
import dev.kscope.cri.v1.LinuxPodSandboxConfig;
import dev.kscope.cri.v1.Mount;
import dev.kscope.cri.v1.ListPodSandboxRequest;
import dev.kscope.cri.v1.NamespaceOption;
import dev.kscope.cri.v1.PodSandboxConfig;
import dev.kscope.cri.v1.PodSandboxFilter;
import dev.kscope.cri.v1.PodSandboxMetadata;
import dev.kscope.cri.v1.PodSandboxStatusRequest;
import dev.kscope.cri.v1.RemovePodSandboxRequest;
import dev.kscope.cri.v1.RunPodSandboxRequest;
import dev.kscope.cri.v1.RuntimeServiceGrpc;
import dev.kscope.cri.v1.StartContainerRequest;
import dev.kscope.cri.v1.StopPodSandboxRequest;
import dev.kscope.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real container node on this machine for tests: containerd with its CRI plugin on its own socket
 * ({@code $KSCOPE_NODE/run/containerd.sock}, default {@code /tmp/kscope-node}), runc, a CNI bridge (10.88.0.0/16) and a
 * local busybox image; pods are created over CRI with the labels, cgroup parent and DNS config kubelet would give them.
 *
 * <p>{@link #shared()} starts the node once and reuses it: test JVMs (one per Maven module) take a lease, and the
 * last one to leave stops containerd and cleans up, also when tests failed (shutdown hook). Pods a JVM created are
 * labelled with its PID and removed when it exits; pods of a JVM that died are removed by the next one.
 * Needs root and the packages in {@code .ci/packages-containers.txt}.
 */
public final class TestNode {
    public static final String IMAGE = "localhost/busybox:1.35";
    static final String OWNER_LABEL = "dev.kscope.testnode/owner-pid";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestNode shared;

    private final Path home;
    private final Path socket;
    private final Set<String> mySandboxes = ConcurrentHashMap.newKeySet();
    private ManagedChannel channel;
    private RuntimeServiceGrpc.RuntimeServiceBlockingStub cri;
    private Podman podman;

    private TestNode(Path home) {
        this.home = home;
        this.socket = home.resolve("run/containerd.sock");
    }

    /** The node shared by every test of this JVM (and of other test JVMs running at the same time). */
    public static synchronized TestNode shared() {
        if (shared == null) {
            var node = new TestNode(Path.of(System.getenv().getOrDefault("KSCOPE_NODE", "/tmp/kscope-node")));
            node.up();
            Runtime.getRuntime().addShutdownHook(new Thread(node::down, "kscope-testnode-teardown"));
            shared = node;
        }
        return shared;
    }

    public Path home() {
        return home;
    }

    /** containerd's CRI socket. */
    public Path criSocket() {
        return socket;
    }

    /** A CRI client to the node's containerd, with a deadline per call. */
    public RuntimeServiceGrpc.RuntimeServiceBlockingStub cri() {
        return cri.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    // ---- pods ----

    /**
     * What a test asks for: one pod with one container, like a single-container Deployment's pod.
     *
     * @param env    extra environment variables ({@code POD_NAME} is always set)
     * @param mounts host path → container path, bind-mounted read-only (e.g. a test server binary)
     */
    public record PodSpec(String namespace, String name, String container, List<String> command, Map<String, String> labels,
                          Map<String, String> env, Map<String, String> mounts) {
        public PodSpec {
            labels = Map.copyOf(labels);
            command = List.copyOf(command);
            env = Map.copyOf(env);
            mounts = Map.copyOf(mounts);
        }

        public PodSpec(String namespace, String name, String container, List<String> command, Map<String, String> labels) {
            this(namespace, name, container, command, labels, Map.of(), Map.of());
        }

        public static PodSpec of(String namespace, String name, String container, String... command) {
            return new PodSpec(namespace, name, container, List.of(command), Map.of("app", name));
        }

        public PodSpec withEnv(String key, String value) {
            var e = new HashMap<>(env);
            e.put(key, value);
            return new PodSpec(namespace, name, container, command, labels, e, mounts);
        }

        public PodSpec withMount(String hostPath, String containerPath) {
            var m = new HashMap<>(mounts);
            m.put(hostPath, containerPath);
            return new PodSpec(namespace, name, container, command, labels, env, m);
        }
    }

    /** A running pod. {@code startReturnedNanos} is {@link System#nanoTime()} right after CRI StartContainer returned. */
    public record Pod(String namespace, String name, String uid, String sandboxId, String container, String containerId,
                      String ip, long startReturnedNanos) {
    }

    public record ExecResult(int exitCode, String stdout, String stderr) {
    }

    /** Runs a pod sandbox and its container; the container is running when this returns. */
    public Pod runPod(String namespace, String name, String container, String... command) {
        return runPod(PodSpec.of(namespace, name, container, command));
    }

    public Pod runPod(PodSpec spec) {
        var uid = UUID.randomUUID().toString();
        var kubeletLabels = Map.of(
                "io.kubernetes.pod.name", spec.name(),
                "io.kubernetes.pod.namespace", spec.namespace(),
                "io.kubernetes.pod.uid", uid);
        var podLabels = new HashMap<>(spec.labels());
        podLabels.putAll(kubeletLabels);
        podLabels.put(OWNER_LABEL, Long.toString(ProcessHandle.current().pid()));
        var logDir = home.resolve("logs/pods/" + spec.namespace() + "_" + spec.name() + "_" + uid);
        var sandbox = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(spec.name()).setNamespace(spec.namespace()).setUid(uid))
                .setHostname(spec.name())
                // never the host's resolv.conf: it names a resolver off this machine
                .setDnsConfig(DNSConfig.newBuilder().addServers(System.getenv().getOrDefault("POD_DNS", "127.0.0.1")))
                .setLogDirectory(logDir.toString())
                .putAllLabels(podLabels)
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/besteffort/pod" + uid))
                .build();
        var sandboxId = cri().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandbox).build()).getPodSandboxId();
        mySandboxes.add(sandboxId);
        var containerLabels = new HashMap<>(kubeletLabels);
        containerLabels.put("io.kubernetes.container.name", spec.container());
        var config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(spec.container()))
                .setImage(ImageSpec.newBuilder().setImage(IMAGE))
                .addAllCommand(spec.command())
                .setLogPath(spec.container() + "/0.log")
                .putAllLabels(containerLabels)
                .addEnvs(KeyValue.newBuilder().setKey("POD_NAME").setValue(spec.name()))
                .addAllEnvs(spec.env().entrySet().stream().map(e -> KeyValue.newBuilder().setKey(e.getKey()).setValue(e.getValue()).build()).toList())
                .addAllMounts(spec.mounts().entrySet().stream().map(m -> Mount.newBuilder().setHostPath(m.getKey())
                        .setContainerPath(m.getValue()).setReadonly(true).build()).toList())
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(NamespaceOption.newBuilder().setPid(1)))) // pid: CONTAINER, like kubelet
                .build();
        var containerId = cri().createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(sandboxId).setConfig(config).setSandboxConfig(sandbox).build()).getContainerId();
        cri().startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
        var started = System.nanoTime();
        var ip = cri().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).build())
                .getStatus().getNetwork().getIp();
        return new Pod(spec.namespace(), spec.name(), uid, sandboxId, spec.container(), containerId, ip, started);
    }

    /** Stops and removes the pod (its sandbox and containers). */
    public void removePod(Pod pod) {
        removeSandbox(pod.sandboxId());
    }

    private void removeSandbox(String sandboxId) {
        try {
            cri().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
            cri().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
        } catch (StatusRuntimeException e) {
            System.err.println("testnode: cannot remove pod sandbox " + sandboxId + ": " + e.getStatus());
        }
        mySandboxes.remove(sandboxId);
    }

    /**
     * Runs a command in a container and waits for it. A background child that keeps stdout open makes CRI's
     * ExecSync wait for the whole timeout: redirect such children's output.
     */
    public ExecResult exec(String containerId, Duration timeout, String... command) {
        var r = cri.withDeadlineAfter(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS).execSync(ExecSyncRequest.newBuilder()
                .setContainerId(containerId).addAllCmd(List.of(command)).setTimeout(Math.max(1, timeout.toSeconds())).build());
        return new ExecResult(r.getExitCode(), r.getStdout().toStringUtf8(), r.getStderr().toStringUtf8());
    }

    public ExecResult exec(String containerId, String... command) {
        return exec(containerId, Duration.ofSeconds(30), command);
    }

    /** The host PID of the container's init process (from CRI's verbose ContainerStatus). */
    public int pid(String containerId) {
        var info = cri().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).setVerbose(true).build())
                .getInfoMap().get("info");
        try {
            return info == null ? 0 : JSON.readTree(info).path("pid").asInt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- containerd lifecycle ----

    /** True when containerd answers on the node's socket. */
    public boolean containerdRunning() {
        return criAnswers(Duration.ofSeconds(2));
    }

    /** Stops containerd (pods keep running: their shims stay), e.g. to test what happens when a runtime goes away. */
    public void stopContainerd() {
        readPid(home.resolve("containerd.pid")).flatMap(ProcessHandle::of).ifPresent(p -> {
            p.destroy();
            p.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        });
    }

    /** Starts containerd again if it is not running. */
    public synchronized void startContainerd() {
        if (criAnswers(Duration.ofSeconds(2))) return;
        try {
            Files.createDirectories(home.resolve("logs"));
            var pb = new ProcessBuilder("containerd", "--config", home.resolve("containerd.toml").toString())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("logs/containerd.log").toFile()));
            var process = pb.start();
            Files.writeString(home.resolve("containerd.pid"), Long.toString(process.pid()));
            var deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!criAnswers(Duration.ofSeconds(1))) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("testnode: containerd exited with " + process.exitValue()
                            + " (see " + home.resolve("logs/containerd.log") + ")");
                }
                if (System.nanoTime() > deadline) throw new IllegalStateException("testnode: containerd did not answer in 30 s");
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("testnode: cannot start containerd", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean criAnswers(Duration timeout) {
        if (!Files.exists(socket)) return false;
        try {
            cri.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).version(VersionRequest.newBuilder().setVersion("v1").build());
            return true;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    private void up() {
        requireTools();
        try {
            Files.createDirectories(home.resolve("run"));
            Files.createDirectories(home.resolve("leases"));
            channel = CriChannels.unix(socket);
            cri = RuntimeServiceGrpc.newBlockingStub(channel);
            try (var lock = lock()) {
                Files.writeString(home.resolve("leases/" + ProcessHandle.current().pid()), "");
                if (!criAnswers(Duration.ofSeconds(2))) {
                    writeConfig();
                    startContainerd();
                }
                importImage();
                removeOrphanPods();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("testnode: cannot set up the node under " + home, e);
        }
    }

    private void down() {
        for (var id : List.copyOf(mySandboxes)) removeSandbox(id);
        if (podman != null) podman.stop();
        try (var lock = lock()) {
            Files.deleteIfExists(home.resolve("leases/" + ProcessHandle.current().pid()));
            if (liveLeases().isEmpty()) teardown();
        } catch (IOException | RuntimeException e) {
            System.err.println("testnode: teardown failed: " + e);
        } finally {
            channel.shutdownNow();
        }
    }

    /** The last user leaves: remove every pod, stop containerd, and clean the paths containerd and CNI hard-code. */
    private void teardown() {
        if (criAnswers(Duration.ofSeconds(2))) {
            for (var sandbox : cri().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                removeSandbox(sandbox.getId());
            }
        }
        stopContainerd();
        run(List.of("ip", "link", "del", "kscope0"));
        for (var dir : List.of("/run/containerd/s", "/run/containerd", "/var/lib/cni/results", "/var/lib/cni")) {
            try {
                Files.deleteIfExists(Path.of(dir));
            } catch (IOException ignored) {
                // not empty: someone else's
            }
        }
        try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (var controller : controllers.toList()) removeEmptyDirs(controller.resolve("kubepods"));
        } catch (IOException ignored) {
            // no cgroup fs
        }
    }

    static void removeEmptyDirs(Path root) {
        if (!Files.isDirectory(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(d -> {
                try {
                    Files.delete(d);
                } catch (IOException ignored) {
                    // still has processes
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // raced with the kernel removing it
        }
    }

    private List<Long> liveLeases() throws IOException {
        var live = new ArrayList<Long>();
        try (var leases = Files.list(home.resolve("leases"))) {
            for (var lease : leases.toList()) {
                var pid = Long.parseLong(lease.getFileName().toString());
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) live.add(pid);
                else Files.deleteIfExists(lease);
            }
        }
        return live;
    }

    private void removeOrphanPods() {
        for (var sandbox : cri().listPodSandbox(ListPodSandboxRequest.newBuilder()
                .setFilter(PodSandboxFilter.getDefaultInstance()).build()).getItemsList()) {
            var owner = sandbox.getLabelsMap().get(OWNER_LABEL);
            if (owner != null && ProcessHandle.of(Long.parseLong(owner)).isEmpty()) removeSandbox(sandbox.getId());
        }
    }

    /** Serializes node start/stop decisions between test JVMs. */
    private AutoCloseable0 lock() throws IOException {
        var ch = FileChannel.open(home.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        var lock = ch.lock();
        return () -> {
            lock.release();
            ch.close();
        };
    }

    private interface AutoCloseable0 extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    private void importImage() throws IOException {
        var images = run(List.of("ctr", "-a", socket.toString(), "-n", "k8s.io", "images", "ls", "-q"));
        if (images.lines().anyMatch(IMAGE::equals)) return;
        var tar = imageTarball();
        var out = run(List.of("ctr", "-a", socket.toString(), "-n", "k8s.io", "images", "import", tar.toString()));
        if (!run(List.of("ctr", "-a", socket.toString(), "-n", "k8s.io", "images", "ls", "-q")).contains(IMAGE)) {
            throw new IllegalStateException("testnode: cannot import " + tar + ": " + out);
        }
    }

    /** The busybox image as an OCI tarball (and its rootfs tarball, for podman), built from busybox-static if missing. */
    Path imageTarball() throws IOException {
        var tar = home.resolve("busybox.tar");
        if (Files.exists(tar) && Files.exists(home.resolve("busybox-rootfs.tar"))) return tar;
        var script = home.resolve("mkimage.sh");
        try (InputStream in = TestNode.class.getResourceAsStream("mkimage.sh")) {
            Files.write(script, in.readAllBytes());
        }
        var out = run(List.of("sh", script.toString(), tar.toString(), IMAGE, "/bin/sleep", "2147483647"));
        if (!Files.exists(tar)) throw new IllegalStateException("testnode: mkimage.sh failed: " + out);
        return tar;
    }

    private void writeConfig() throws IOException {
        for (var d : List.of("run", "logs/pods", "cni/net.d", "cni/ipam")) Files.createDirectories(home.resolve(d));
        var p = home.toString();
        Files.writeString(home.resolve("containerd.toml"), """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                [grpc]
                  address = "%1$s/run/containerd.sock"
                [ttrpc]
                  address = "%1$s/run/containerd.sock.ttrpc"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%2$s"   # nothing can be pulled here: the pause image is a local one
                  restrict_oom_score_adj = true              # no CAP_SYS_RESOURCE: runc can't set oom_score_adj=-998
                  netns_mounts_under_state_dir = true
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                  runtime_type = "io.containerd.runc.v2"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                  BinaryName = "/usr/sbin/runc"              # crun fails on the hybrid cgroup layout
                  Root = "%1$s/runc"
                  SystemdCgroup = false
                [plugins."io.containerd.grpc.v1.cri".cni]
                  bin_dir = "/usr/lib/cni"
                  conf_dir = "%1$s/cni/net.d"
                [plugins."io.containerd.internal.v1.opt"]
                  path = "%1$s/opt"
                """.formatted(p, IMAGE));
        Files.writeString(home.resolve("cni/net.d/10-kscope.conflist"), """
                {"cniVersion": "0.4.0", "name": "kscope-net", "plugins": [
                  {"type": "bridge", "bridge": "kscope0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
                   "ipam": {"type": "host-local", "dataDir": "%s/cni/ipam", "routes": [{"dst": "0.0.0.0/0"}],
                            "ranges": [[{"subnet": "10.88.0.0/16", "gateway": "10.88.0.1"}]]}},
                  {"type": "loopback"}]}
                """.formatted(p));
    }

    private static void requireTools() {
        var missing = new ArrayList<String>();
        for (var tool : List.of("/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc", "/usr/lib/cni/bridge", "/bin/busybox")) {
            if (!Files.isExecutable(Path.of(tool))) missing.add(tool);
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("testnode: missing " + missing
                    + " (install the packages in .ci/packages-containers.txt and run .ci/setup-containers.sh as root)");
        }
    }

    // ---- podman ----

    /** podman serving the Docker API on {@code $KSCOPE_NODE/run/podman.sock}, started on first use. */
    public synchronized Podman podman() {
        if (podman == null) {
            try {
                podman = Podman.start(home, imageTarball().resolveSibling("busybox-rootfs.tar"));
            } catch (IOException e) {
                throw new UncheckedIOException("testnode: cannot start podman", e);
            }
        }
        return podman;
    }

    // ---- helpers ----

    static java.util.Optional<Long> readPid(Path file) {
        try {
            return java.util.Optional.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /** Runs a command, returns its combined output; fails only if it cannot be started. */
    static String run(List<String> command) {
        return run(command, Map.of());
    }

    static String run(List<String> command, Map<String, String> env) {
        try {
            var pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(env);
            var p = pb.start();
            p.getOutputStream().close();
            var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("testnode: cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
