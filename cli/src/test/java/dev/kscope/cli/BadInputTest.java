package dev.kscope.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;


import static org.assertj.core.api.Assertions.assertThat;

/** Wrong flags and values: one line on stderr naming the cause and the fix, exit 2, nothing attached. */
class BadInputTest {

    record Result(int code, String err) {}

    static Result run(String... args) {
        var r = InProcess.run(args);
        return new Result(r.code(), r.err());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "trace exec -o columns=pid,nope | kscope: unknown column 'nope' (available: k8s.node,",
            "trace exec -o xml | kscope: unknown output format 'xml' (use -o columns (default), wide, json, yaml",
            "trace exec --timeout 5x | kscope: invalid duration '5x' for --timeout (use e.g. 10s, 500ms, 1m30s, 2h, 7d)",
            "trace exec --max-events 0 | kscope: invalid --max-events 0: it must be at least 1",
            "trace exec --ringbuf-size 1000 | kscope: invalid ring buffer size 1000: it must be a power of two of at least 4096 bytes",
            "trace exec --ringbuf-size lots | kscope: invalid size 'lots' for --ringbuf-size (use e.g. 4096, 64K, 16M)",
            "trace exec --bogus | kscope: Unknown option: '--bogus' (see 'kscope trace exec --help')",
            "trace nothing | kscope: Unmatched argument at index 1: 'nothing' (see 'kscope trace --help')",
    })
    void oneLineErrorAndExitCode2(String args, String expectedStart) {
        var r = run(args.trim().split(" "));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith(expectedStart.trim());
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void helpTeachesByExample() {
        var r = InProcess.run("trace", "exec", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Examples:", "kscope trace exec -o columns=pid,comm,ret,args", "--ringbuf-size");
    }

    @Test
    void everyHelpTextRendersCleanly() {
        // picocli formats descriptions with String.format: a stray '%' gives a warning instead of the text
        for (var command : Kscope.COMMANDS) {
            var name = command.getAnnotation(picocli.CommandLine.Command.class).name();
            for (var sub : command.getAnnotation(picocli.CommandLine.Command.class).subcommands()) {
                var subName = sub.getAnnotation(picocli.CommandLine.Command.class).name();
                var r = InProcess.run(name, subName, "--help");
                assertThat(r.err()).as("kscope %s %s --help", name, subName).doesNotContain("WARN");
            }
            var r = InProcess.run(name, "--help");
            assertThat(r.code()).as("kscope %s --help", name).isZero();
            assertThat(r.err()).as("kscope %s --help", name).doesNotContain("WARN");
        }
    }
}
