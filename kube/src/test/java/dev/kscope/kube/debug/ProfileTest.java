package dev.kscope.kube.debug;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each profile against kubectl's profiles.go, field by field, for the three debug styles. The
 * expected securityContext of the debug container is written as JSON, the pod-level effects as
 * flags: H = host network+PID+IPC, R = host root volume "host-root" (hostPath /) mounted at /host,
 * S = shareProcessNamespace, L = original labels kept, A = annotations kept, P = probes kept, I = init containers kept.
 */
class ProfileTest {

    DebugOptions options() {
        var o = new DebugOptions();
        o.image = "busybox:1.36";
        return o;
    }

    @ParameterizedTest(name = "ephemeral {0}")
    @CsvSource(delimiter = '|', textBlock = """
            legacy     | null
            general    | {"capabilities":{"add":["SYS_PTRACE"]}}
            baseline   | null
            restricted | {"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}
            netadmin   | {"capabilities":{"add":["NET_ADMIN","NET_RAW"]}}
            sysadmin   | {"privileged":true}
            """)
    void ephemeral(String profile, String securityContext) {
        var o = options();
        o.target = DebugTarget.parse("web");
        var plan = (DebugPlan.Ephemeral) new DebugPlanner(o, Profile.parse(profile), () -> "abcde").planEphemeral(Pods.web());
        assertThat(json(plan.container().getSecurityContext())).isEqualTo(securityContext);
        // No profile touches anything else of an ephemeral container.
        assertThat(plan.container().getVolumeMounts()).isEmpty();
        assertThat(plan.container().getTerminationMessagePolicy()).isEqualTo("File");
    }

    @ParameterizedTest(name = "copy {0}")
    @CsvSource(delimiter = '|', textBlock = """
            legacy     | null                                                          | A,P,I
            general    | {"capabilities":{"add":["SYS_PTRACE"]}}                        | S,I
            baseline   | null                                                          | S,I
            restricted | {"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}} | S,I
            netadmin   | {"capabilities":{"add":["NET_ADMIN","NET_RAW"]}}              | S,I
            sysadmin   | {"privileged":true}                                           | S,I
            """)
    void podCopy(String profile, String securityContext, String effects) {
        var o = options();
        o.target = DebugTarget.parse("web");
        o.copyTo = "web-debug";
        var plan = (DebugPlan.Copy) new DebugPlanner(o, Profile.parse(profile), () -> "abcde").planCopy(Pods.web());
        var pod = plan.pod();
        assertThat(json(PodContainers.find(pod, "debugger-abcde").getSecurityContext())).isEqualTo(securityContext);
        assertEffects(pod, effects);
        // The app container keeps its own security context: profiles only touch the debug container.
        assertThat(PodContainers.find(pod, "app").getSecurityContext().getRunAsUser()).isEqualTo(0L);
    }

    @ParameterizedTest(name = "node {0}")
    @CsvSource(delimiter = '|', textBlock = """
            legacy     | null                                                          | H,R
            general    | null                                                          | H,R
            baseline   | null                                                          | -
            restricted | {"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}} | -
            netadmin   | {"capabilities":{"add":["NET_ADMIN","NET_RAW"]}}              | H
            sysadmin   | {"privileged":true}                                           | H,R
            """)
    void node(String profile, String securityContext, String effects) {
        var o = options();
        o.target = DebugTarget.parse("node/worker-1");
        var plan = (DebugPlan.Node) new DebugPlanner(o, Profile.parse(profile), () -> "abcde").planNode(Pods.node(), "default");
        var pod = plan.pod();
        assertThat(json(PodContainers.find(pod, "debugger").getSecurityContext())).isEqualTo(securityContext);
        var e = effects.split(",");
        var host = java.util.List.of(e).contains("H");
        assertThat(pod.getSpec().getHostNetwork()).isEqualTo(host ? Boolean.TRUE : null);
        assertThat(pod.getSpec().getHostPID()).isEqualTo(host ? Boolean.TRUE : null);
        assertThat(pod.getSpec().getHostIPC()).isEqualTo(host ? Boolean.TRUE : null);
        if (java.util.List.of(e).contains("R")) {
            assertThat(json(pod.getSpec().getVolumes())).isEqualTo("[{\"hostPath\":{\"path\":\"/\"},\"name\":\"host-root\"}]");
            assertThat(json(pod.getSpec().getContainers().getFirst().getVolumeMounts())).isEqualTo("[{\"mountPath\":\"/host\",\"name\":\"host-root\"}]");
        } else {
            assertThat(pod.getSpec().getVolumes()).isEmpty();
            assertThat(pod.getSpec().getContainers().getFirst().getVolumeMounts()).isEmpty();
        }
    }

    @ParameterizedTest(name = "auto with enforce={0} is {1}")
    @CsvSource({"restricted,restricted", "baseline,baseline", "privileged,general", "'',general"})
    void autoFollowsTheNamespacePodSecurityLevel(String enforce, String expected) {
        var labels = enforce.isEmpty() ? Map.<String, String>of() : Map.of(Profile.ENFORCE_LABEL, enforce);
        assertThat(Profile.AUTO.resolve(labels)).hasToString(expected);
    }

    private static void assertEffects(Pod pod, String effects) {
        var e = java.util.List.of(effects.split(","));
        var original = Pods.web();
        assertThat(pod.getSpec().getShareProcessNamespace()).isEqualTo(e.contains("S") ? Boolean.TRUE : null);
        assertThat(pod.getMetadata().getLabels()).isEqualTo(e.contains("L") ? original.getMetadata().getLabels() : null);
        assertThat(pod.getMetadata().getAnnotations()).isEqualTo(e.contains("A") ? original.getMetadata().getAnnotations() : null);
        var app = PodContainers.find(pod, "app");
        if (e.contains("P")) {
            assertThat(app.getLivenessProbe()).isNotNull();
            assertThat(app.getReadinessProbe()).isNotNull();
            assertThat(app.getStartupProbe()).isNotNull();
        } else {
            assertThat(app.getLivenessProbe()).isNull();
            assertThat(app.getReadinessProbe()).isNull();
            assertThat(app.getStartupProbe()).isNull();
        }
        assertThat(pod.getSpec().getInitContainers()).extracting(Container::getName).isEqualTo(e.contains("I") ? java.util.List.of("migrate") : java.util.List.of());
        assertThat(pod.getSpec().getHostNetwork()).isNull();
        assertThat(pod.getSpec().getVolumes()).isEmpty();
    }

    static String json(Object o) {
        return o == null ? "null" : Serialization.asJson(o);
    }
}
