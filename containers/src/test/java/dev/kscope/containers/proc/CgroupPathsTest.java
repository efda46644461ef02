package dev.kscope.containers.proc;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CgroupPathsTest {
    private static final String ID = "4a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
    private static final String UID = "3f0e1d2c-1111-4222-8333-944455566677";

    @Test
    void findsContainerIdAndPodUidWhateverTheDriver() {
        for (var path : List.of(
                "/kubepods/besteffort/pod" + UID + "/" + ID,
                "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID.replace('-', '_') + ".slice/cri-containerd-" + ID + ".scope",
                "/kubepods/burstable/pod" + UID + "/crio-" + ID)) {
            assertThat(CgroupPaths.containerId(path)).as(path).contains(ID);
            assertThat(CgroupPaths.podUid(path)).as(path).contains(UID);
        }
        assertThat(CgroupPaths.containerId("/system.slice/docker-" + ID + ".scope")).contains(ID);
        assertThat(CgroupPaths.containerId("/libpod_parent/libpod-" + ID)).contains(ID);
        assertThat(CgroupPaths.podUid("/system.slice/docker-" + ID + ".scope")).isEmpty();
        assertThat(CgroupPaths.containerId("/user.slice/user-0.slice/session-1.scope")).isEmpty();
        assertThat(CgroupPaths.containerId("/" + ID + "x")).isEmpty();
    }

    @Test
    void picksTheCgroupLineThatNamesAContainer() {
        var lines = List.of("12:cpu:/", "4:pids:/kubepods/besteffort/pod" + UID + "/" + ID, "0::/");
        assertThat(CgroupPaths.containerPath(lines)).endsWith(ID);
        assertThat(CgroupPaths.containerPath(List.of("1:cpu:/a", "0::/b"))).isEqualTo("/b");
    }
}
