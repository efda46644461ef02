package dev.kscope.gadgets.trace.exec;

import dev.kscope.core.KscopeException;
import dev.kscope.core.event.ContainerInfo;
import dev.kscope.core.output.OutputFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every output format, byte for byte, on fixed events (files under src/test/resources/…/golden-*.txt). */
class ExecOutputGoldenTest {
    static {
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
    }

    static final List<ExecEvent> EVENTS = List.of(
            new ExecEvent(Instant.parse("2026-11-28T16:32:08.860123456Z"), 4242, 4242, 1, 0, 0, 4026531841L, 7,
                    0, "echo", List.of("/bin/echo", "hello world", "", "ünï"), false, null),
            new ExecEvent(Instant.parse("2026-11-28T16:32:09.000000001Z"), 4243, 4243, 4242, 1000, 1000, 4026532500L, 9,
                    -2, "sh", List.of("/nonexistent", "x"), false,
                    new ContainerInfo("containerd", "0123456789abcdef0123", "nginx", "busybox:latest", "default", "web", "uid-1",
                            Map.of("app", "web"), "Deployment/web", "node-1")),
            new ExecEvent(Instant.parse("2026-11-28T16:32:10Z"), 4244, 4244, 4242, 0, 0, 4026531841L, 7,
                    0, "true", List.of("/bin/true", "a\tb\nc"), true, null));

    static String render(String format, boolean containers, int width) {
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (var printer = OutputFormat.parse(format).printer(TraceExec.columns(containers), out, width)) {
            EVENTS.forEach(printer::print);
            printer.lost(3, 5);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static String golden(String name) throws IOException {
        try (var in = ExecOutputGoldenTest.class.getResourceAsStream("golden-" + name + ".txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @CsvSource({
            "columns, false, 0, columns",
            "columns, false, 75, columns-75",
            "columns, true, 0, columns-containers",
            "wide, true, 60, wide",
            "json, true, 0, json",
            "yaml, false, 0, yaml",
            "'columns=pid,comm,ret,args', false, 0, chosen",
            "'columns=+tid,-ppid,-time', false, 0, edited",
            "'custom-columns=POD:.k8s.pod,APP:.k8s.labels.app,PID:.pid,ARG0:.args[0],ARG1:.args[1]', true, 0, custom",
    })
    void matchesGolden(String format, boolean containers, int width, String golden) throws IOException {
        assertThat(render(format, containers, width)).isEqualTo(golden(golden));
    }

    @Test
    void unknownColumnsAndFormatsAreOneLineErrors() {
        assertThatThrownBy(() -> render("columns=pid,bogus", false, 0)).isInstanceOf(KscopeException.class)
                .hasMessageStartingWith("unknown column 'bogus' (available: k8s.node,");
        assertThatThrownBy(() -> render("columns=pid,+uid", false, 0)).hasMessageContaining("cannot mix");
        assertThatThrownBy(() -> render("columns=-time,-pid,-ppid,-uid,-comm,-ret,-args", false, 0)).hasMessageContaining("no columns left");
        assertThatThrownBy(() -> render("xml", false, 0)).hasMessage("unknown output format 'xml' (use -o columns (default), wide, json, yaml, or columns=NAME,… / columns=+NAME,-NAME / custom-columns=HEADER:.path,…)");
    }
}
