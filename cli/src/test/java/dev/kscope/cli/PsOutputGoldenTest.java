package dev.kscope.cli;

import dev.kscope.containers.Container;
import dev.kscope.core.KscopeException;
import dev.kscope.core.output.OutputFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** kscope ps in every output format, byte for byte, on fixed containers (files under src/test/resources/…/ps-golden-*.txt). */
class PsOutputGoldenTest {
    static final List<Container> CONTAINERS = List.of(
            new Container("containerd", "98a1538d72e1f00dfeed0123456789abcdef", "httpd", "localhost/busybox:1.35", "web", "default",
                    "5c1f0a3e-uid", Map.of("app", "web", "io.kubernetes.pod.namespace", "default"), 6019, 4026532253L, 4026532177L,
                    "/kubepods/besteffort/pod5c1f0a3e/98a1538d72e1", new Container.Owner("Deployment", "web"), "node-1"),
            new Container("podman", "db735f2713f3aa", "scratch", "localhost/busybox:1.35", null, null, null, null,
                    6214, 4026532404L, 4026532332L, null, null, null));

    static String render(String format, boolean watch, int width) {
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (var printer = OutputFormat.parse(format).printer(PsCommand.columns(watch), out, width)) {
            if (watch) {
                printer.print(new PsCommand.Row("ADDED", CONTAINERS.get(0)));
                printer.print(new PsCommand.Row("REMOVED", CONTAINERS.get(1)));
            } else {
                PsCommand.list(CONTAINERS, printer);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static String golden(String name) throws IOException {
        try (var in = PsOutputGoldenTest.class.getResourceAsStream("ps-golden-" + name + ".txt")) {
            assertThat(in).as("ps-golden-" + name + ".txt").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @CsvSource({
            "columns, false, 0, columns",
            "wide, false, 80, wide",
            "json, false, 0, json",
            "yaml, false, 0, yaml",
            "'columns=k8s.pod,pid,netns', false, 0, chosen",
            "'columns=+k8s.labels,-mntns,-netns', false, 0, edited",
            "'custom-columns=POD:.k8s.pod,APP:.k8s.labels.app,ID:.runtime.containerid,pid', false, 0, custom",
            "columns, true, 0, watch",
            "json, true, 0, watch-json",
    })
    void matchesGolden(String format, boolean watch, int width, String golden) throws IOException {
        assertThat(render(format, watch, width)).isEqualTo(golden(golden));
    }

    @Test
    void badColumnsAreOneLineErrors() {
        assertThatThrownBy(() -> render("columns=pod", false, 0)).isInstanceOf(KscopeException.class)
                .hasMessageStartingWith("unknown column 'pod' (available: k8s.node,k8s.namespace,k8s.pod,");
        assertThatThrownBy(() -> render("custom-columns=POD:.pod", false, 0))
                .hasMessageStartingWith("unknown field '.pod' in -o custom-columns (available: .k8s.node,.k8s.namespace,.k8s.pod,");
        assertThatThrownBy(() -> render("custom-columns=POD:k8s.pod", false, 0))
                .hasMessage("invalid custom column 'POD:k8s.pod' (write HEADER:.path, e.g. -o custom-columns=POD:.k8s.pod,PID:.pid)");
        assertThatThrownBy(() -> render("custom-columns=A:.k8s..pod", false, 0))
                .hasMessage("invalid path '.k8s..pod' in -o custom-columns (write e.g. .k8s.pod, .k8s.labels.app or .args[0])");
        assertThatThrownBy(() -> render("custom-columns=", false, 0)).hasMessageStartingWith("empty column in ''");
    }
}
