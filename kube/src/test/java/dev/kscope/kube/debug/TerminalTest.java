package dev.kscope.kube.debug;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real terminal path, on a pseudo-terminal from script(1): raw mode on and off through stty,
 * and a window size change arriving as SIGWINCH and read back.
 */
class TerminalTest {
    @Test
    void rawModeAndWindowSizeChangesOnARealPty() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "needs script(1) from bsdutils");
        var java = ProcessHandle.current().info().command().orElseThrow();
        var cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        var command = "'" + java + "' -cp '" + cp + "' dev.kscope.kube.debug.TerminalProbe";
        var p = new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replace("\r", "");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("terminal=true", "raw-mode=true", "resize-signal=true", "size=101x31", "restored=true");
    }
}
