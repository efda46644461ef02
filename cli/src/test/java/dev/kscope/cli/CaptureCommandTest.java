package dev.kscope.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class CaptureCommandTest {

    record Run(int exit, String out, String err) {}

    static Run kscope(String... args) {
        var r = InProcess.run(args);
        return new Run(r.code(), r.out(), r.err());
    }

    @Test
    void badInputGetsOneLineNamingCauseAndFix() {
        assertThat(kscope("capture", "-w", "/tmp/cap2-x.pcapng")).isEqualTo(new Run(1, "",
                "kscope: nothing to capture (give -p POD, -l SELECTOR, -i IFACE, --netns PATH or --pid PID)\n"));
        assertThat(kscope("capture", "-i", "lo")).isEqualTo(new Run(1, "",
                "kscope: no output: give -w FILE.pcapng, or -w - to stream to stdout (e.g. | wireshark -k -i -)\n"));
        assertThat(kscope("capture", "-i", "any", "-i", "lo", "-w", "/tmp/cap2-x.pcapng")).isEqualTo(new Run(1, "",
                "kscope: -i any already means every interface of the host (drop the other -i names, or 'any')\n"));
        var filter = kscope("capture", "-i", "lo", "-w", "/tmp/cap2-x.pcapng", "tcp", "prt", "80");
        assertThat(filter.exit).isEqualTo(1);
        assertThat(filter.err).startsWith("kscope: invalid filter \"tcp prt 80\": can't parse filter expression: syntax error at \"prt\", character 5");
        assertThat(kscope("capture", "-i", "lo", "-w", "x.pcapng", "-W", "3").err)
                .isEqualTo("kscope: -W needs -C or -G (e.g. -C 100 -W 5 for a ring of five 100 MB files)\n");
        assertThat(kscope("capture", "-i", "lo", "-w", "x.pcapng", "-s", "300000").err)
                .isEqualTo("kscope: invalid -s 300000: the snap length must be between 1 and 262144 (0 for the default)\n");
        assertThat(kscope("capture", "-i", "lo", "-w", "x.pcapng", "--duration", "soon").err)
                .isEqualTo("kscope: invalid duration 'soon' for --duration (use e.g. 10s, 500ms, 1m30s, 2h, 7d)\n");
        assertThat(kscope("capture", "-i", "lo", "-w", "x.pcapng", "-c", "nginx").err)
                .isEqualTo("kscope: -c nginx names a container, but no pod was given (add -p POD, or give -c a number of packets)\n");
        assertThat(kscope("capture", "--pid", "999999999", "-w", "x.pcapng").err)
                .isEqualTo("kscope: no process 999999999 (give the PID of a running process, e.g. from 'pgrep nginx')\n");
        assertThat(kscope("capture", "-i", "lo", "-w", "x.pcapng", "-X").exit).isEqualTo(2);
    }

    @Test
    void aPodThatIsNotOnThisNodeIsAOneLineError() {
        var run = kscope("capture", "-n", "shop", "-p", "web", "-w", "/tmp/cap2-x.pcapng");
        assertThat(run.exit).isEqualTo(1);
        assertThat(run.err).endsWith("kscope: pod web in namespace shop is not running on this node "
                + "(run kscope where it runs, e.g. as the DaemonSet; kscope ps lists this node's pods)\n");
    }

    @Test
    void dumpsTheCompiledFilter() {
        var run = kscope("capture", "-d", "tcp", "port", "80");
        assertThat(run.exit).isZero();
        assertThat(run.out).startsWith("{ 0x28, 0, 0, 0x0000000c },").contains("0x00000050");
    }

    @Test
    void helpTeachesByExample() {
        var run = kscope("capture", "--help");
        assertThat(run.out).contains("kscope capture -p web -w - | wireshark -k -i -", "-C=MB", "SIGUSR1");
    }

    /** The real command in its own JVM, in network namespaces, stopped by signals. */
    @Nested
    @Tag("root")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Signals {
        Path dir;

        @BeforeAll
        void setUp() throws Exception {
            dir = Files.createTempDirectory("cap2-cli");
            sh("ip netns del cap2clia 2>/dev/null; ip netns del cap2clib 2>/dev/null; true");
            sh("ip netns add cap2clia && ip netns add cap2clib"
                    + " && ip link add cap2clia0 netns cap2clia type veth peer name cap2clib0 netns cap2clib"
                    + " && ip -n cap2clia addr add 10.77.20.1/24 dev cap2clia0 && ip -n cap2clib addr add 10.77.20.2/24 dev cap2clib0"
                    + " && ip -n cap2clia link set cap2clia0 up && ip -n cap2clib link set cap2clib0 up && ip -n cap2clia link set lo up");
        }

        @AfterAll
        void tearDown() throws Exception {
            sh("ip netns del cap2clia; ip netns del cap2clib; rm -rf " + dir);
        }

        @Test
        void sigusr1PrintsStatisticsAndSigtermLeavesACompleteFile() throws Exception {
            var file = dir.resolve("term.pcapng");
            var p = start("capture", "--netns", "/run/netns/cap2clia", "icmp", "-w", file.toString());
            ping(5);
            p.signal("USR1");
            assertThat(p.waitForErr("packets dropped by interface")).isTrue();
            p.signal("TERM");
            assertThat(p.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.stderr()).contains("capturing on cap2clia/cap2clia0, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
                    "10 packets captured");
            assertReadableWithStatistics(file, 10);
        }

        @Test
        void sigintLeavesACompleteFile() throws Exception {
            var file = dir.resolve("int.pcapng");
            var p = start("capture", "--netns", "/run/netns/cap2clia", "-i", "cap2clia0", "icmp", "-w", file.toString());
            ping(3);
            p.signal("INT");
            assertThat(p.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.process.exitValue()).isEqualTo(130);
            assertReadableWithStatistics(file, 6);
        }

        @Test
        void countAndDurationEndTheCaptureOnTheirOwn() throws Exception {
            var file = dir.resolve("count.pcapng");
            var p = start("capture", "--netns", "/run/netns/cap2clia", "-i", "any", "-c", "4", "icmp", "-w", file.toString());
            ping(3);
            assertThat(p.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.process.exitValue()).isZero();
            assertThat(p.stderr()).contains("capturing on cap2clia/lo,", "capturing on cap2clia/cap2clia0,");
            assertReadableWithStatistics(file, 4);
            assertThat(sh("capinfos " + file)).contains("Number of interfaces in file: 2");
            var timed = start("capture", "--netns", "/run/netns/cap2clia", "--duration", "500ms", "-w", dir.resolve("d.pcapng").toString());
            assertThat(timed.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(timed.process.exitValue()).isZero();
        }

        @Test
        void closedPipeEndsTheCaptureWithAMessage() throws Exception {
            var cmd = String.join(" ", javaCommand("capture", "--netns", "/run/netns/cap2clia", "icmp", "-w", "-"))
                    + " 2>" + dir.resolve("pipe.err") + " | head -c 300 > " + dir.resolve("head.out");
            var shell = new ProcessBuilder("sh", "-c", cmd).start();
            awaitStarted(dir.resolve("pipe.err"));
            ping(4);
            assertThat(shell.waitFor(15, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(dir.resolve("pipe.err"))).contains("kscope: the reader of the output went away (broken pipe)");
            assertThat(Files.size(dir.resolve("head.out"))).isEqualTo(300);
        }

        @Test
        void stdoutCarriesACompletePcapngStream() throws Exception {
            var file = dir.resolve("stdout.pcapng");
            var cmd = String.join(" ", javaCommand("capture", "--netns", "/run/netns/cap2clia", "-c", "6", "icmp", "-w", "-"))
                    + " 2>" + dir.resolve("stdout.err") + " > " + file;
            var shell = new ProcessBuilder("sh", "-c", cmd).start();
            awaitStarted(dir.resolve("stdout.err"));
            ping(3);
            assertThat(shell.waitFor(15, TimeUnit.SECONDS)).isTrue();
            assertThat(shell.exitValue()).isZero();
            assertReadableWithStatistics(file, 6);
        }

        void awaitStarted(Path stderrFile) throws Exception {
            for (int i = 0; i < 150 && !(Files.exists(stderrFile) && Files.readString(stderrFile).contains("capturing on")); i++) {
                Thread.sleep(100);
            }
        }

        void assertReadableWithStatistics(Path file, int packets) throws Exception {
            var info = sh("capinfos " + file + " 2>&1");
            assertThat(info).contains("Number of packets:   " + packets, "Number of stat entries = 1");
            var shark = sh("tshark -r " + file + " 2>&1 >/dev/null | grep -v 'Running as user' || true");
            assertThat(shark).isEmpty();
        }

        void ping(int count) throws Exception {
            sh("ip netns exec cap2clib busybox ping -c " + count + " -i 0.05 -W 2 10.77.20.1 >/dev/null");
            Thread.sleep(300);
        }
    }

    static String sh(String script) throws Exception {
        var p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    static List<String> javaCommand(String... args) {
        var cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Kscope.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static final class Cli {
        final Process process;
        private final StringBuffer err = new StringBuffer();

        Cli(Process process) {
            this.process = process;
            Thread.ofPlatform().daemon().start(() -> {
                try (var r = new BufferedReader(new InputStreamReader(process.getErrorStream()))) {
                    String line;
                    while ((line = r.readLine()) != null) err.append(line).append('\n');
                } catch (Exception ignored) {
                    // process ended
                }
            });
        }

        String stderr() {
            return err.toString();
        }

        boolean waitForErr(String text) throws InterruptedException {
            for (int i = 0; i < 200; i++) {
                if (err.toString().contains(text)) return true;
                Thread.sleep(50);
            }
            return false;
        }

        void signal(String sig) throws Exception {
            sh("kill -" + sig + " " + process.pid());
        }
    }

    static Cli start(String... args) throws Exception {
        var cli = new Cli(new ProcessBuilder(javaCommand(args)).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        assertThat(cli.waitForErr("capturing on")).as("kscope started: " + cli.stderr()).isTrue();
        return cli;
    }
}
