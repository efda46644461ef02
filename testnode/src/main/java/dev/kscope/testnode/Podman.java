package dev.kscope.testnode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * podman with runc, cgroupfs and CNI, serving the Docker-compatible API over {@code podman system service} on
 * {@code <home>/run/podman.sock}. All its state lives under {@code <home>/podman}.
 */
public final class Podman {
    private final Path home;
    private final Path socket;
    private final Map<String, String> env;
    private final Set<String> mine = ConcurrentHashMap.newKeySet();
    private Process service;

    private Podman(Path home) {
        this.home = home;
        this.socket = home.resolve("run/podman.sock");
        this.env = Map.of(
                "CONTAINERS_CONF", home.resolve("podman/containers.conf").toString(),
                "CONTAINERS_STORAGE_CONF", home.resolve("podman/storage.conf").toString());
    }

    static Podman start(Path home, Path rootfsTar) throws IOException {
        if (!Files.isExecutable(Path.of("/usr/bin/podman"))) {
            throw new IllegalStateException("testnode: podman is missing (install the packages in .ci/packages-containers.txt)");
        }
        var podman = new Podman(home);
        podman.configure();
        var images = podman.podman("images", "-q", "--filter", "reference=" + TestNode.IMAGE);
        if (images.isBlank()) {
            podman.podman("import", "-q", "-c", "CMD [\"/bin/sleep\",\"2147483647\"]", "-c", "ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                    rootfsTar.toString(), TestNode.IMAGE);
        }
        podman.startService();
        return podman;
    }

    /** The Docker API socket. */
    public Path socket() {
        return socket;
    }

    /** {@code podman run -d} of the busybox image; returns the container ID. Names should carry the test's area prefix. */
    public String run(String name, Map<String, String> labels, String... command) {
        var args = new ArrayList<>(List.of("run", "-d", "-q", "--name", name));
        labels.forEach((k, v) -> args.addAll(List.of("--label", k + "=" + v)));
        args.add(TestNode.IMAGE);
        args.addAll(List.of(command));
        var out = podman(args.toArray(String[]::new)).strip();
        var id = out.lines().reduce((a, b) -> b).orElse("");
        if (!id.matches("[0-9a-f]{64}")) throw new IllegalStateException("testnode: podman run " + name + " failed: " + out);
        mine.add(name);
        return id;
    }

    /** Removes a container (stopping it first). */
    public void rm(String name) {
        podman("rm", "-f", "-t", "0", name);
        mine.remove(name);
    }

    /** The host PID of a running container. */
    public int pid(String name) {
        return Integer.parseInt(podman("inspect", "-f", "{{.State.Pid}}", name).strip());
    }

    /** Runs the podman CLI with this node's configuration; returns its combined output. */
    public String podman(String... args) {
        var cmd = new ArrayList<String>();
        cmd.add("podman");
        cmd.addAll(List.of(args));
        return TestNode.run(cmd, env);
    }

    void stop() {
        for (var name : List.copyOf(mine)) rm(name);
        if (service != null) {
            service.destroy();
            service.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        }
        TestNode.run(List.of("ip", "link", "del", "cni-podman0"));
        try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (var controller : controllers.toList()) TestNode.removeEmptyDirs(controller.resolve("libpod_parent"));
        } catch (IOException ignored) {
            // no cgroup fs
        }
    }

    private void startService() throws IOException {
        if (Files.exists(socket)) Files.delete(socket);
        var pb = new ProcessBuilder("podman", "system", "service", "--time=0", "unix://" + socket)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("podman/service.log").toFile()));
        pb.environment().putAll(env);
        service = pb.start();
        var deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(socket)) {
            if (!service.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("testnode: podman system service did not start (see " + home.resolve("podman/service.log") + ")");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private void configure() throws IOException {
        for (var d : List.of("podman/cni", "podman/tmp", "run")) Files.createDirectories(home.resolve(d));
        var p = home.toString();
        Files.writeString(home.resolve("podman/storage.conf"), """
                [storage]
                driver = "overlay"
                graphroot = "%1$s/podman/root"
                runroot = "%1$s/podman/runroot"
                """.formatted(p));
        var nofile = TestNode.run(List.of("sh", "-c", "ulimit -Hn")).strip();
        Files.writeString(home.resolve("podman/containers.conf"), """
                [containers]
                # podman's defaults exceed this kind of VM's hard limits
                default_ulimits = ["nofile=%2$s:%2$s", "nproc=32768:32768"]
                [engine]
                runtime = "runc"
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                events_logfile_path = "%1$s/podman/events.log"
                tmp_dir = "%1$s/podman/tmp"
                infra_image = "%3$s"
                [network]
                network_backend = "cni"
                network_config_dir = "%1$s/podman/cni"
                default_subnet = "10.89.0.0/16"
                """.formatted(p, nofile, TestNode.IMAGE));
    }
}
