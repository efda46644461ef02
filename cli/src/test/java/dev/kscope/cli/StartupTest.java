package dev.kscope.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What start-up leaves out (commands not asked for, System.exit's logger lookup) must not change what users see. */
class StartupTest {

    @Test
    void versionBuildsNoCommandModel() {
        assertThat(Kscope.commandsFor("--version")).isEmpty();
        assertThat(Kscope.commandsFor("-V")).isEmpty();
        var r = InProcess.run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("kscope ").contains("(Java ");
    }

    @Test
    void aCommandOrItsHelpBuildsOnlyThatCommand() {
        assertThat(Kscope.commandsFor("traffic", "-r", "x.pcap")).containsExactly(TrafficCommand.class);
        assertThat(Kscope.commandsFor("help", "traffic")).containsExactly(TrafficCommand.class);
        var r = InProcess.run("help", "traffic");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Usage: kscope traffic");
    }

    @Test
    void everyCommandIsListedWhereTheListIsShown() {
        for (var args : new String[][]{{}, {"--help"}, {"-h"}, {"help"}, {"tarce"}}) {
            assertThat(Kscope.commandsFor(args)).as(String.join(" ", args)).isEqualTo(Kscope.COMMANDS);
        }
        for (var args : new String[][]{{}, {"--help"}, {"help"}}) {
            var r = InProcess.run(args);
            assertThat(r.code()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("trace", "ps", "capture", "traffic", "debug");
        }
        var r = InProcess.run("tarce");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("kscope: Unmatched argument at index 0: 'tarce' (see 'kscope --help')");
    }

    @Test
    void ownProcessEndsWithTheRightExitCodeWhetherItReturnsOrExits() throws Exception {
        var ok = KscopeProcess.run("--version");
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.stdout()).startsWith("kscope ");
        var helped = KscopeProcess.run("traffic", "--help");
        assertThat(helped.exitCode()).isZero();
        assertThat(helped.stdout()).startsWith("Usage: kscope traffic");
        var bad = KscopeProcess.run("traffic", "--bogus");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).startsWith("kscope: Unknown option: '--bogus'");
    }
}
