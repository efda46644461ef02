package dev.kscope.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** kscope debug through the CLI: kubeconfig, --context, -n, KUBECONFIG, config file, errors and exit codes, Ctrl-C. */
class DebugCommandTest {
    @TempDir
    Path dir;
    KubernetesMockServer server;
    KubernetesClient client;
    Path kubeconfig;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream savedOut, savedErr;
    String savedHome;

    @BeforeEach
    void start() throws Exception {
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        client.pods().inNamespace("shop").resource(web()).create();
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                current-context: mock
                clusters:
                - name: mock
                  cluster: {server: "http://localhost:%d"}
                - name: down
                  cluster: {server: "https://127.0.0.1:20998"}
                users:
                - name: dev
                  user: {token: secret}
                contexts:
                - name: mock
                  context: {cluster: mock, user: dev, namespace: shop}
                - name: down
                  context: {cluster: down, user: dev, namespace: shop}
                """.formatted(server.getPort()));
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        savedHome = System.getProperty("user.home");
        System.setProperty("user.home", dir.toString()); // no ~/.kube/config, no ~/.config/kscope
        DebugCommand.environment = Map.of();
    }

    @AfterEach
    void stop() {
        System.setOut(savedOut);
        System.setErr(savedErr);
        System.setProperty("user.home", savedHome);
        DebugCommand.environment = System.getenv();
        client.close();
        server.destroy();
    }

    static Pod web() {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("shop/web:1.2").endContainer().endSpec()
                .withNewStatus().withPhase("Running").endStatus().build();
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void dryRunThroughKubeconfigAndContextPrintsThePatch() {
        int code = Kscope.execute("debug", "web", "--kubeconfig", kubeconfig.toString(), "--context", "mock",
                "--profile", "netadmin", "--image", "busybox:1.36", "-c", "dbg", "-it", "--env", "B=2,A=1", "--env", "C=3",
                "--dry-run=client", "-o", "json", "--", "tcpdump", "-ni", "any");
        assertThat(code).as(err()).isZero();
        assertThat(out()).contains("\"ephemeralContainers\":[{").contains("\"name\":\"dbg\"").contains("\"NET_ADMIN\",\"NET_RAW\"")
                .contains("\"stdin\":true").contains("\"tty\":true").contains("\"command\":[\"tcpdump\",\"-ni\",\"any\"]")
                .contains("\"env\":[{\"name\":\"B\",\"value\":\"2\"},{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"C\",\"value\":\"3\"}]");
        assertThat(err()).contains("# PATCH /api/v1/namespaces/shop/pods/web/ephemeralcontainers");
        assertThat(client.pods().inNamespace("shop").withName("web").get().getSpec().getEphemeralContainers()).isEmpty();
    }

    @Test
    void kubeconfigEnvironmentVariableAndConfigFileAreHonoured() throws Exception {
        var xdg = dir.resolve("xdg");
        Files.createDirectories(xdg.resolve("kscope"));
        Files.writeString(xdg.resolve("kscope/config.yaml"), "debug:\n  image: registry.local/tools/netshoot:v9\n");
        DebugCommand.environment = Map.of("KUBECONFIG", dir.resolve("missing") + ":" + kubeconfig, "XDG_CONFIG_HOME", xdg.toString());
        int code = Kscope.execute("debug", "pod/web", "--dry-run=client");
        assertThat(code).as(err()).isZero();
        assertThat(out()).contains("image: \"registry.local/tools/netshoot:v9\"");
    }

    @Test
    void namespaceFlagOverridesTheContextNamespace() {
        int code = Kscope.execute("debug", "web", "--kubeconfig", kubeconfig.toString(), "-n", "ops", "--dry-run=client");
        assertThat(code).isEqualTo(1);
        assertThat(err()).isEqualTo("kscope: pod \"web\" not found in namespace \"ops\" (list pods with 'kubectl get pods -n ops', or pick the namespace with -n)\n");
    }

    @Test
    void badInputIsOneLineWithTheFixAndNonZeroExit() {
        record Case(List<String> args, String error) {
        }
        var kc = List.of("--kubeconfig", kubeconfig.toString());
        var cases = List.of(
                new Case(List.of("web", "--context", "nope"), "kscope: context \"nope\" not found in kubeconfig " + kubeconfig + " (use one of: mock, down)"),
                new Case(List.of("web", "--profile", "admin"), "kscope: unknown profile 'admin' (use one of: legacy, general, baseline, restricted, netadmin, sysadmin, auto)"),
                new Case(List.of("web", "--replace"), "kscope: --replace may only be used with --copy-to (add --copy-to NAME)"),
                new Case(List.of("web", "-t"), "kscope: -i/--stdin is required for containers with -t/--tty=true (add -i)"),
                new Case(List.of("web", "sh"), "kscope: unexpected argument(s) [sh] after web (put the debug container's command after --, e.g. kscope debug web -it -- sh)"),
                new Case(List.of("web", "-o", "yaml"), "kscope: -o/--output only works with --dry-run=client (add --dry-run=client to print instead of sending)"),
                new Case(List.of("web", "--custom", dir.resolve("none.json").toString()), "kscope: cannot read custom profile " + dir.resolve("none.json")),
                new Case(List.of("deploy/web"), "kscope: cannot debug 'deploy' objects (debug a pod with POD or pod/POD, a node with node/NODE)"),
                new Case(List.of("web", "--context", "down", "-i"), "kscope: cannot get pod web in namespace shop: the API server at https://127.0.0.1:20998/ is unreachable ("));
        for (var c : cases) {
            err.reset();
            var args = new ArrayList<>(List.of("debug"));
            args.addAll(c.args());
            args.addAll(kc);
            assertThat(Kscope.execute(args.toArray(String[]::new))).as(String.join(" ", args)).isEqualTo(1);
            assertThat(err()).as(String.join(" ", args)).startsWith(c.error()).endsWith(")\n").doesNotContain("\tat ");
            assertThat(err().lines().count()).isEqualTo(1);
        }
        assertThat(client.pods().inNamespace("shop").list().getItems()).extracting(p -> p.getMetadata().getName()).containsExactly("web");
    }

    @Test
    void timeoutTakesTheDurationsOfEveryOtherFlag() {
        for (var bad : List.of("soon", "-PT1S", "P1X")) {
            err.reset();
            assertThat(Kscope.execute("debug", "web", "--timeout", bad, "--kubeconfig", kubeconfig.toString())).as(bad).isEqualTo(2);
            assertThat(err()).as(bad).startsWith("kscope: invalid duration '" + bad + "' for --timeout (use e.g. 10s, 500ms, 1m30s, 2h, 7d")
                    .hasLineCount(1);
        }
        assertThat(dev.kscope.core.Units.duration("1m30s", "--timeout")).hasSeconds(90);
        assertThat(dev.kscope.core.Units.duration("PT2M", "--timeout")).hasMinutes(2);
        assertThat(dev.kscope.core.Units.duration("0", "--timeout")).isZero();
    }

    @Test
    void noKubeconfigAnywhere() {
        int code = Kscope.execute("debug", "web");
        assertThat(code).isEqualTo(1);
        assertThat(err()).isEqualTo("kscope: no kubeconfig found: none at ~/.kube/config, KUBECONFIG unset and not running in a pod"
                + " (point KUBECONFIG or --kubeconfig at your cluster's kubeconfig)\n");
        err.reset();
        assertThat(Kscope.execute("debug", "web", "--kubeconfig", "/nonexistent/kubeconfig")).isEqualTo(1);
        assertThat(err()).isEqualTo("kscope: kubeconfig /nonexistent/kubeconfig does not exist (pass an existing file to --kubeconfig)\n");
    }

    @Test
    void helpTeachesByExample() {
        assertThat(Kscope.execute("debug", "--help")).isZero();
        assertThat(out()).contains("kscope debug web -it --target app").contains("kscope debug node/worker-1 -it").contains("kubectl kscope debug web -it");
    }

    @Test
    void kubectlPluginScriptRunsKscopeWithTheSameArguments() throws Exception {
        var script = Path.of("src/main/dist/bin/kubectl-kscope").toAbsolutePath();
        assertThat(Files.isExecutable(script)).isTrue();
        var bin = Files.createDirectories(dir.resolve("bin"));
        var fake = bin.resolve("kscope");
        Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do echo \"<$a>\"; done\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        var pb = new ProcessBuilder(script.toString(), "debug", "web", "-it", "--", "sh", "-c", "echo a b");
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        var p = pb.redirectErrorStream(true).start();
        var output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(output).isEqualTo("<debug>\n<web>\n<-it>\n<-->\n<sh>\n<-c>\n<echo a b>\n");
    }

    @Test
    void ctrlCWhileWaitingDeletesThePodCopy() throws Exception {
        var java = ProcessHandle.current().info().command().orElseThrow();
        var cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // No kubelet runs, so the copy never starts and kscope waits until the SIGINT.
        var p = new ProcessBuilder(java, "-cp", cp, "dev.kscope.cli.Kscope", "debug", "web", "-i", "--copy-to", "web-debug",
                "--kubeconfig", kubeconfig.toString(), "--image", "busybox:1.36")
                .redirectErrorStream(true).redirectOutput(dir.resolve("kscope.log").toFile()).start();
        try {
            var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (client.pods().inNamespace("shop").withName("web-debug").get() == null && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(client.pods().inNamespace("shop").withName("web-debug").get()).as(Files.readString(dir.resolve("kscope.log"))).isNotNull();
            Thread.sleep(300); // inside the wait
            new ProcessBuilder("sh", "-c", "kill -INT " + p.pid()).start().waitFor(); // the shell builtin: no procps needed
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(130);
            assertThat(client.pods().inNamespace("shop").withName("web-debug").get()).as(Files.readString(dir.resolve("kscope.log"))).isNull();
            assertThat(Files.readString(dir.resolve("kscope.log"))).contains("Deleted debug pod web-debug.");
        } finally {
            p.destroyForcibly();
        }
    }
}
