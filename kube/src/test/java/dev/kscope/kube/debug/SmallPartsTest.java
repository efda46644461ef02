package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Detach keys, flag validation, container state classification, config file, targets. */
class SmallPartsTest {

    static String feed(DetachKeys k, String typed) {
        var b = typed.getBytes(StandardCharsets.ISO_8859_1);
        var out = new ByteArrayOutputStream();
        var detached = k.feed(b, b.length, out);
        return out.toString(StandardCharsets.ISO_8859_1) + (detached ? "<detach>" : "");
    }

    @Test
    void detachKeysAreHeldBackAndReleasedWhenTheSequenceBreaks() {
        var k = DetachKeys.parse("ctrl-p,ctrl-q");
        assertThat(feed(k, "ls\r")).isEqualTo("ls\r");
        assertThat(feed(k, "\u0010")).isEmpty();            // ctrl-p held back
        assertThat(feed(k, "x")).isEqualTo("\u0010x");      // released when not followed by ctrl-q
        assertThat(feed(k, "\u0003")).isEqualTo("\u0003"); // ctrl-c passes through
        assertThat(feed(k, "a\u0010\u0010\u0011rest")).isEqualTo("a\u0010<detach>"); // what came before is forwarded, what follows dropped
        assertThat(feed(DetachKeys.parse("none"), "\u0010\u0011")).isEqualTo("\u0010\u0011");
        assertThatThrownBy(() -> DetachKeys.parse("ctrl-1")).isInstanceOf(KscopeException.class).hasMessageStartingWith("invalid detach keys 'ctrl-1'");
    }

    DebugOptions opts(String target) {
        var o = new DebugOptions();
        o.target = DebugTarget.parse(target);
        return o;
    }

    @Test
    void conflictingFlagsAreRejectedWithKubectlsReasonAndTheFix() {
        var o = opts("web");
        o.replace = true;
        assertThatThrownBy(o::validate).hasMessage("--replace may only be used with --copy-to (add --copy-to NAME)");
        o = opts("web");
        o.sameNode = true;
        assertThatThrownBy(o::validate).hasMessage("--same-node may only be used with --copy-to (add --copy-to NAME)");
        o = opts("web");
        o.setImages = Map.of("*", "busybox");
        assertThatThrownBy(o::validate).hasMessage("--set-image may only be used with --copy-to (add --copy-to NAME)");
        o = opts("web");
        o.copyTo = "x";
        o.targetContainer = "app";
        assertThatThrownBy(o::validate).hasMessage("--target is incompatible with --copy-to (use --share-processes instead)");
        o = opts("web");
        o.tty = true;
        assertThatThrownBy(o::validate).hasMessage("-i/--stdin is required for containers with -t/--tty=true (add -i)");
        o = opts("web");
        o.image = "Busy Box";
        assertThatThrownBy(o::validate).hasMessageStartingWith("invalid image name \"Busy Box\": invalid reference format");
        o = opts("web");
        o.imagePullPolicy = "Sometimes";
        assertThatThrownBy(o::validate).hasMessage("invalid image pull policy: Sometimes (use Always, IfNotPresent or Never)");
        o = opts("web");
        o.keep = true;
        assertThatThrownBy(o::validate).hasMessageStartingWith("--keep only applies to --copy-to and node/NODE");
        o = opts("node/n1");
        o.copyTo = "x";
        assertThatThrownBy(o::validate).hasMessage("--copy-to only works on pods (drop --copy-to to debug node/n1)");
        o = opts("web");
        o.copyTo = "x";
        o.setImages = Map.of("*", "busybox");
        o.args = List.of("sh");
        assertThatThrownBy(o::validate).hasMessageStartingWith("you must specify an existing container or a new image when specifying args");
    }

    @ParameterizedTest
    @ValueSource(strings = {"busybox", "busybox:1.36", "docker.io/library/busybox:latest", "localhost:5000/tools/netshoot:v0.13",
            "ghcr.io/org/img@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "[::1]:5000/x"})
    void validImageReferences(String image) {
        var o = opts("web");
        o.image = image;
        o.validate();
    }

    @Test
    void unknownProfileNamesTheValidOnes() {
        assertThatThrownBy(() -> Profile.parse("admin"))
                .hasMessage("unknown profile 'admin' (use one of: legacy, general, baseline, restricted, netadmin, sysadmin, auto)");
    }

    @ParameterizedTest
    @CsvSource({"web,pod", "pod/web,pod", "pods/web,pod", "node/n1,node", "nodes/n1,node"})
    void targets(String arg, String kind) {
        var t = DebugTarget.parse(arg);
        assertThat(t instanceof DebugTarget.NodeTarget ? "node" : "pod").isEqualTo(kind);
        assertThatThrownBy(() -> DebugTarget.parse("deploy/web")).hasMessageStartingWith("cannot debug 'deploy' objects");
    }

    @Test
    void containerStatesThatCanNeverRunFailAtOnce() {
        var pod = Pods.web();
        var warned = new HashSet<String>();
        var warnings = new java.util.ArrayList<String>();
        pod.getStatus().setEphemeralContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                .withName("dbg").withState(MockCluster.waiting("ContainerCreating", "pulling image")).build()));
        assertThat(ContainerWaiter.check(pod, "web", "dbg", warned, warnings::add)).isNull();
        assertThat(ContainerWaiter.check(pod, "web", "dbg", warned, warnings::add)).isNull();
        assertThat(warnings).containsExactly("container dbg: pulling image"); // once, not per event
        pod.getStatus().getEphemeralContainerStatuses().getFirst().setState(MockCluster.waiting("ImagePullBackOff", "Back-off pulling image \"nope:1\""));
        assertThatThrownBy(() -> ContainerWaiter.check(pod, "web", "dbg", warned, warnings::add))
                .hasMessage("container dbg in pod web cannot start: its image cannot be pulled: ImagePullBackOff: Back-off pulling image \"nope:1\""
                        + " (check the image name and the registry's access, or pick another --image)");
        assertThatThrownBy(() -> ContainerWaiter.check(null, "web", "dbg", warned, warnings::add)).hasMessageStartingWith("pod web was deleted");
    }

    @Test
    void configFileSetsTheDefaultImageAndProfile(@TempDir Path dir) throws Exception {
        var f = dir.resolve("kscope/config.yaml");
        assertThat(DebugConfig.load(f)).isEqualTo(DebugConfig.DEFAULTS);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "debug:\n  image: registry.local/netshoot:v1\n  profile: netadmin\n");
        assertThat(DebugConfig.load(f)).isEqualTo(new DebugConfig("registry.local/netshoot:v1", Profile.NETADMIN));
        assertThat(DebugConfig.defaultFile(Map.of("XDG_CONFIG_HOME", dir.toString()))).isEqualTo(f);
        Files.writeString(f, "debug:\n  profile: nope\n");
        assertThatThrownBy(() -> DebugConfig.load(f)).hasMessageContaining("debug.profile: unknown profile 'nope'");
        Files.writeString(f, "debug: [unclosed\n");
        assertThatThrownBy(() -> DebugConfig.load(f)).hasMessageStartingWith("cannot read config " + f);
    }
}
