package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CustomProfileTest {
    final Container base = new ContainerBuilder().withName("dbg").withImage("busybox")
            .addNewEnv().withName("A").withValue("1").endEnv()
            .addNewEnv().withName("B").withValue("2").endEnv()
            .withNewSecurityContext().withPrivileged(true).withNewCapabilities().withAdd("NET_ADMIN").endCapabilities().endSecurityContext()
            .addNewPort().withContainerPort(80).withName("http").endPort()
            .build();

    @Test
    void jsonFileMergesStrategically(@TempDir Path dir) throws Exception {
        var f = dir.resolve("custom.json");
        Files.writeString(f, """
                {"env":[{"name":"B","value":"20"},{"name":"C","value":"3"}],
                 "securityContext":{"privileged":null,"runAsUser":0,"capabilities":{"add":["SYS_PTRACE"]}},
                 "ports":[{"containerPort":80,"protocol":"TCP"}],
                 "resources":{"limits":{"memory":"128Mi"}}}
                """);
        var merged = CustomProfile.read(f).applyTo(base, Container.class);
        assertThat(merged.getEnv()).extracting(e -> e.getName() + "=" + e.getValue()).containsExactly("A=1", "B=20", "C=3");
        assertThat(merged.getSecurityContext().getPrivileged()).isNull();
        assertThat(merged.getSecurityContext().getRunAsUser()).isEqualTo(0L);
        assertThat(merged.getSecurityContext().getCapabilities().getAdd()).containsExactly("SYS_PTRACE");
        assertThat(merged.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getProtocol()).isEqualTo("TCP");
        });
        assertThat(merged.getResources().getLimits()).containsKey("memory");
        assertThat(merged.getName()).isEqualTo("dbg");
    }

    @Test
    void yamlIsAcceptedToo() {
        var merged = CustomProfile.parse("workingDir: /tmp\nstdin: true\n", "c.yaml").applyTo(base, Container.class);
        assertThat(merged.getWorkingDir()).isEqualTo("/tmp");
    }

    @Test
    void refusesWhatKubectlRefuses() {
        assertThatThrownBy(() -> CustomProfile.parse("{\"image\":\"evil\"}", "c.json"))
                .isInstanceOf(KscopeException.class)
                .hasMessageContaining("name, command, image, lifecycle and volume devices are not modifiable via custom profile");
        assertThatThrownBy(() -> CustomProfile.parse("{\"securityContex\":{}}", "c.json"))
                .hasMessage("c.json: unknown container field(s) [securityContex] (see 'kubectl explain pod.spec.containers' for the field names)");
        assertThatThrownBy(() -> CustomProfile.parse("[1,2", "c.json"))
                .hasMessageStartingWith("c.json does not contain a valid container spec");
        assertThatThrownBy(() -> CustomProfile.read(Path.of("/nonexistent/kscope-debug.json")))
                .hasMessageStartingWith("cannot read custom profile /nonexistent/kscope-debug.json");
    }
}
