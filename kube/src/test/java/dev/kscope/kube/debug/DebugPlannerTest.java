package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EphemeralContainerBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What kubectl debug.go builds, field by field: ephemeral container and its patch, pod copy, node pod. */
class DebugPlannerTest {

    static DebugOptions options(String target) {
        var o = new DebugOptions();
        o.target = DebugTarget.parse(target);
        return o;
    }

    static DebugPlanner planner(DebugOptions o) {
        return new DebugPlanner(o, o.profile, () -> "abcde");
    }

    @Test
    void ephemeralContainerCarriesKubectlsFields() {
        var o = options("web");
        o.image = "busybox:1.36";
        o.container = "dbg";
        o.imagePullPolicy = "IfNotPresent";
        o.env = new LinkedHashMap<>(Map.of("A", "1"));
        o.stdin = true;
        o.tty = true;
        o.args = List.of("sh", "-c", "sleep 1");
        var plan = (DebugPlan.Ephemeral) planner(o).planEphemeral(Pods.web());

        var expected = new EphemeralContainerBuilder()
                .withName("dbg").withImage("busybox:1.36").withImagePullPolicy("IfNotPresent")
                .withEnv(new EnvVar("A", "1", null)).withStdin(true).withTty(true)
                .withTerminationMessagePolicy("File").withCommand("sh", "-c", "sleep 1")
                .withNewSecurityContext().withNewCapabilities().withAdd("SYS_PTRACE").endCapabilities().endSecurityContext()
                .build();
        assertThat(plan.container()).isEqualTo(expected);
        assertThat(plan.patch()).isEqualTo("{\"spec\":{\"ephemeralContainers\":[" + Serialization.asJson(expected) + "]}}");
        assertThat(plan.notices()).isEmpty(); // the name was given: no "Defaulting debug container name"
    }

    @Test
    void argumentsOnlyGoToArgs() {
        var o = options("web");
        o.argsOnly = true;
        o.args = List.of("--verbose");
        var plan = (DebugPlan.Ephemeral) planner(o).planEphemeral(Pods.web());
        assertThat(plan.container().getArgs()).containsExactly("--verbose");
        assertThat(plan.container().getCommand()).isEmpty();
        assertThat(plan.container().getImage()).isEqualTo(DebugConfig.BUILTIN_IMAGE);
    }

    @Test
    void patchKeepsTheOrderOfExistingEphemeralContainersLikeATwoWayMergePatch() {
        var pod = Pods.web();
        pod.getSpec().setEphemeralContainers(List.of(new EphemeralContainerBuilder().withName("debugger-old").withImage("busybox").build()));
        var plan = (DebugPlan.Ephemeral) planner(options("web")).planEphemeral(pod);
        Map<String, Object> patch = Serialization.unmarshal(plan.patch(), Map.class);
        assertThat(Serialization.asJson(((Map<?, ?>) patch.get("spec")).get("$setElementOrder/ephemeralContainers")))
                .isEqualTo("[{\"name\":\"debugger-old\"},{\"name\":\"debugger-abcde\"}]");
        assertThat((List<?>) ((Map<?, ?>) patch.get("spec")).get("ephemeralContainers")).hasSize(1);
    }

    @Test
    void generatedNameAvoidsTakenNames() {
        var pod = Pods.web();
        pod.getSpec().getContainers().getFirst().setName("debugger-aaaaa");
        var suffixes = List.of("aaaaa", "bbbbb").iterator();
        var plan = new DebugPlanner(options("web"), Profile.GENERAL, suffixes::next).planEphemeral(pod);
        assertThat(plan.containerName()).isEqualTo("debugger-bbbbb");
        assertThat(plan.notices()).containsExactly("Defaulting debug container name to debugger-bbbbb.");
    }

    @Test
    void refusesWhatTheApiServerWouldRejectBeforeSendingIt() {
        var o = options("web");
        o.container = "app";
        assertThatThrownBy(() -> planner(o).planEphemeral(Pods.web()))
                .hasMessage("a container named \"app\" already exists in pod web (choose another --container name; ephemeral containers cannot be reused)");
        var t = options("web");
        t.targetContainer = "nope";
        assertThatThrownBy(() -> planner(t).planEphemeral(Pods.web()))
                .hasMessage("container \"nope\" not found in pod web (--target takes one of: app, sidecar)");
        var done = Pods.web();
        done.getStatus().setPhase("Succeeded");
        assertThatThrownBy(() -> planner(options("web")).planEphemeral(done))
                .isInstanceOf(KscopeException.class)
                .hasMessage("pod web is not running (phase Succeeded): ephemeral containers can only be added to a live pod (debug a copy instead: --copy-to web-debug)");
    }

    @Test
    void copyAddsADebugContainerAndSchedulesAnywhere() {
        var o = options("web");
        o.copyTo = "web-debug";
        o.image = "busybox:1.36";
        o.stdin = true;
        var plan = (DebugPlan.Copy) planner(o).planCopy(Pods.web());
        var pod = plan.pod();
        assertThat(pod.getMetadata().getName()).isEqualTo("web-debug");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(pod.getMetadata().getResourceVersion()).isNull();
        assertThat(pod.getSpec().getNodeName()).isNull();
        assertThat(pod.getSpec().getContainers()).extracting(Container::getName).containsExactly("app", "sidecar", "debugger-abcde");
        var dbg = pod.getSpec().getContainers().get(2);
        assertThat(dbg.getImage()).isEqualTo("busybox:1.36");
        assertThat(dbg.getStdin()).isTrue();
        assertThat(dbg.getTty()).isFalse();
        assertThat(dbg.getTerminationMessagePolicy()).isEqualTo("File");
        assertThat(pod.getSpec().getEphemeralContainers()).isNullOrEmpty();
        assertThat(pod.getStatus()).isNull();
        assertThat(plan.containerName()).isEqualTo("debugger-abcde");
    }

    @Test
    void copyWithSameNodeSetImageAndExplicitShareProcesses() {
        var o = options("web");
        o.copyTo = "web-debug";
        o.sameNode = true;
        o.shareProcesses = false;
        o.setImages = new LinkedHashMap<>();
        o.setImages.put("*", "busybox:1.36");
        o.setImages.put("sidecar", "envoyproxy/envoy:debug");
        o.container = "app";
        o.args = List.of("sh");
        var plan = (DebugPlan.Copy) planner(o).planCopy(Pods.web());
        var pod = plan.pod();
        assertThat(pod.getSpec().getNodeName()).isEqualTo("worker-1");
        assertThat(pod.getSpec().getShareProcessNamespace()).isFalse(); // the flag wins over the profile's default
        assertThat(pod.getSpec().getContainers()).extracting(Container::getName).containsExactly("app", "sidecar");
        var app = PodContainers.find(pod, "app");
        assertThat(app.getImage()).isEqualTo("busybox:1.36");
        assertThat(app.getCommand()).containsExactly("sh");
        assertThat(app.getArgs()).isNullOrEmpty();
        assertThat(PodContainers.find(pod, "sidecar").getImage()).isEqualTo("envoyproxy/envoy:debug");
        assertThat(app.getSecurityContext().getCapabilities().getAdd()).containsExactly("SYS_PTRACE");
        assertThat(app.getSecurityContext().getRunAsUser()).isEqualTo(0L); // general adds, it doesn't clear
        assertThat(plan.containerName()).isEqualTo("app");
    }

    @Test
    void setImageOnlyCopyAddsNoContainerAndAppliesNoProfile() {
        var o = options("web");
        o.copyTo = "web-debug";
        o.setImages = new LinkedHashMap<>(Map.of("app", "shop/web:1.3-debug"));
        var plan = (DebugPlan.Copy) planner(o).planCopy(Pods.web());
        assertThat(plan.containerName()).isNull();
        assertThat(plan.pod().getSpec().getContainers()).extracting(Container::getImage).containsExactly("shop/web:1.3-debug", "envoyproxy/envoy:v1.31");
        assertThat(plan.pod().getMetadata().getLabels()).containsEntry("app", "web"); // kubectl returns before the profile
    }

    @Test
    void setImageForAnUnknownContainerIsAnError() {
        var o = options("web");
        o.copyTo = "web-debug";
        o.setImages = new LinkedHashMap<>(Map.of("db", "postgres:17"));
        assertThatThrownBy(() -> planner(o).planCopy(Pods.web()))
                .hasMessage("container \"db\" not found in pod web (--set-image takes one of: app, sidecar, or *)");
    }

    @Test
    void keepFlagsKeepWhatTheySay() {
        var o = options("web");
        o.copyTo = "web-debug";
        o.keepFlags = new KeepFlags(true, true, true, true, true, false);
        var pod = ((DebugPlan.Copy) planner(o).planCopy(Pods.web())).pod();
        assertThat(pod.getMetadata().getLabels()).containsEntry("app", "web");
        assertThat(pod.getMetadata().getAnnotations()).containsEntry("prometheus.io/scrape", "true");
        assertThat(PodContainers.find(pod, "app").getLivenessProbe()).isNotNull();
        assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();
    }

    @Test
    void nodePodMatchesKubectlsGenerateNodeDebugPod() {
        var o = options("node/worker-1");
        o.image = "busybox:1.36";
        o.stdin = true;
        o.tty = true;
        var plan = (DebugPlan.Node) planner(o).planNode(Pods.node(), "ops");
        var pod = plan.pod();
        assertThat(pod.getMetadata().getName()).isEqualTo("node-debugger-worker-1-abcde");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("ops");
        assertThat(pod.getMetadata().getLabels()).containsExactly(Map.entry("app.kubernetes.io/managed-by", "kscope-debug"));
        assertThat(pod.getSpec().getNodeName()).isEqualTo("worker-1");
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(Serialization.asJson(pod.getSpec().getTolerations())).isEqualTo("[{\"operator\":\"Exists\"}]");
        var c = pod.getSpec().getContainers().getFirst();
        assertThat(c.getName()).isEqualTo("debugger");
        assertThat(c.getImage()).isEqualTo("busybox:1.36");
        assertThat(c.getStdin()).isTrue();
        assertThat(c.getTty()).isTrue();
        assertThat(c.getTerminationMessagePolicy()).isEqualTo("File");
        assertThat(pod.getSpec().getHostPID()).isTrue();
        assertThat(pod.getSpec().getHostNetwork()).isTrue();
        assertThat(plan.notices()).containsExactly("Creating debugging pod node-debugger-worker-1-abcde with container debugger on node worker-1.");
    }

    @Test
    void customProfileIsMergedAfterTheProfile() {
        var o = options("node/worker-1");
        o.custom = CustomProfile.parse("""
                securityContext:
                  runAsUser: 0
                  capabilities:
                    add: [SYS_ADMIN]
                env:
                - name: MODE
                  value: debug
                volumeMounts:
                - mountPath: /host
                  readOnly: true
                """, "custom.yaml");
        o.profile = Profile.NETADMIN;
        o.env = new LinkedHashMap<>();
        o.env.put("MODE", "normal");
        o.env.put("X", "1");
        var pod = ((DebugPlan.Node) planner(o).planNode(Pods.node(), "default")).pod();
        var c = pod.getSpec().getContainers().getFirst();
        assertThat(c.getSecurityContext().getRunAsUser()).isEqualTo(0L);
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).containsExactly("SYS_ADMIN"); // lists without merge key are replaced
        assertThat(c.getEnv()).containsExactly(new EnvVar("MODE", "debug", null), new EnvVar("X", "1", null)); // env merges by name
        assertThat(c.getVolumeMounts()).hasSize(1);
        assertThat(c.getVolumeMounts().getFirst().getReadOnly()).isTrue(); // netadmin mounts nothing on a node: the mount is added
    }

    @Test
    void legacyProfileWarnsLikeKubectl() {
        var o = options("web");
        o.profile = Profile.LEGACY;
        assertThat(planner(o).planEphemeral(Pods.web()).notices().getFirst()).startsWith("--profile=legacy is deprecated");
    }

    @Test
    void nonRootPodWarningLikeKubectl() {
        var pod = Pods.web();
        pod.getSpec().setSecurityContext(new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder().withRunAsUser(1000L).build());
        var o = options("web");
        o.container = "dbg";
        o.profile = Profile.NETADMIN;
        assertThat(planner(o).planEphemeral(pod).notices()).singleElement().asString().startsWith("Warning: Non-root user is configured");
    }
}
