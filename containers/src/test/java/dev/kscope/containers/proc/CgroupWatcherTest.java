package dev.kscope.containers.proc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** inotify on a plain directory tree laid out like a cgroup hierarchy (inotify behaves the same on cgroupfs). */
class CgroupWatcherTest {

    @Test
    void seesContainersInSubtreesCreatedAllAtOnce(@TempDir Path root) throws Exception {
        Files.createFile(root.resolve("cgroup.controllers")); // looks like a cgroup v2 root
        var created = ConcurrentHashMap.<String>newKeySet();
        var removed = ConcurrentHashMap.<String>newKeySet();
        try (var watcher = CgroupWatcher.start(root, (id, dir) -> created.add(id), (id, dir) -> removed.add(id), () -> { }, w -> { })) {
            assertThat(watcher.root()).isEqualTo(root);
            // like a fresh node: kubepods/besteffort/pod<uid>/<id> appear within microseconds of each other (mkdir -p)
            var ids = ConcurrentHashMap.<String>newKeySet();
            for (int i = 0; i < 50; i++) {
                var id = (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
                ids.add(id);
                Files.createDirectories(root.resolve("kubepods" + i + "/besteffort/pod" + UUID.randomUUID() + "/" + id));
            }
            awaitContains(created, ids);
            for (var id : Set.copyOf(ids)) {
                try (var dirs = Files.find(root, 5, (p, a) -> p.getFileName().toString().equals(id))) {
                    for (var d : dirs.toList()) Files.delete(d);
                }
            }
            awaitContains(removed, ids);
        }
    }

    private static void awaitContains(Set<String> seen, Set<String> expected) throws InterruptedException {
        var deadline = System.nanoTime() + 5_000_000_000L;
        while (!seen.containsAll(expected) && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(seen).containsAll(expected);
    }
}
