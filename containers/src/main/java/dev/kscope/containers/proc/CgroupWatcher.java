package dev.kscope.containers.proc;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * Watches one cgroup hierarchy with inotify: a runtime creates a container's cgroup directory before the container's
 * first process runs, so this hears about a new container before its entrypoint executes, with no runtime event API.
 * Calls back with the container ID and the cgroup directory; removals likewise.
 */
public final class CgroupWatcher implements AutoCloseable {
    private final Path root;
    private final WatchService watch;
    private final Map<WatchKey, Path> dirs = new ConcurrentHashMap<>();
    private final BiConsumer<String, Path> created;
    private final BiConsumer<String, Path> removed;
    private final Runnable overflow;
    private final java.util.function.Consumer<String> problems;
    private final Thread thread;

    private CgroupWatcher(Path root, BiConsumer<String, Path> created, BiConsumer<String, Path> removed, Runnable overflow,
                          java.util.function.Consumer<String> problems) throws IOException {
        this.problems = problems;
        this.root = root;
        this.created = created;
        this.removed = removed;
        this.overflow = overflow;
        this.watch = FileSystems.getDefault().newWatchService();
        registerTree(root, false);
        this.thread = Thread.ofPlatform().daemon().name("kscope-cgroup-watch").start(this::loop);
    }

    /**
     * Starts watching the hierarchy containers show up in: cgroup v2's unified tree, or on v1 the pids (or memory)
     * controller's tree. Returns null when there is no cgroup file system to watch.
     */
    public static CgroupWatcher start(Path cgroupRoot, BiConsumer<String, Path> created, BiConsumer<String, Path> removed,
                                      Runnable overflow, java.util.function.Consumer<String> problems) throws IOException {
        var hierarchy = hierarchy(cgroupRoot);
        return hierarchy == null ? null : new CgroupWatcher(hierarchy, created, removed, overflow, problems);
    }

    /** The hierarchy watched (and where {@code cgroup.procs} files are read). */
    public static Path hierarchy(Path cgroupRoot) {
        if (Files.exists(cgroupRoot.resolve("cgroup.controllers"))) return cgroupRoot;
        for (var controller : List.of("pids", "memory", "cpu,cpuacct", "cpu", "systemd")) {
            var p = cgroupRoot.resolve(controller);
            if (Files.exists(p.resolve("cgroup.procs"))) return p;
        }
        return null;
    }

    public Path root() {
        return root;
    }

    /**
     * Watches {@code dir} and everything below it. Each directory is watched before its children are listed: a child
     * created in between then shows up both as an event and in the listing (harmless), never in neither. Listing
     * first would lose a subtree created in that gap, such as kubepods/besteffort on a fresh node.
     */
    private void registerTree(Path dir, boolean announce) {
        try {
            dirs.put(dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE), dir);
        } catch (IOException | RuntimeException e) {
            return; // the directory vanished: its removal event follows
        }
        if (announce) CgroupPaths.containerId(dir.toString()).ifPresent(id -> created.accept(id, dir));
        try (Stream<Path> children = Files.list(dir)) {
            for (var child : children.filter(Files::isDirectory).toList()) registerTree(child, announce);
        } catch (IOException | RuntimeException e) {
            // vanished while listing
        }
    }

    private void loop() {
        try {
            while (true) {
                var key = watch.take();
                var dir = dirs.get(key);
                for (var event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        overflow.run();
                        continue;
                    }
                    if (dir == null) continue;
                    var child = dir.resolve((Path) event.context());
                    try {
                        if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
                            if (Files.isDirectory(child)) registerTree(child, true);
                        } else {
                            CgroupPaths.containerId(child.toString()).ifPresent(id -> removed.accept(id, child));
                        }
                    } catch (RuntimeException e) {
                        problems.accept("cgroup event for " + child + " failed (" + e + "); the next re-list catches up");
                    }
                }
                if (!key.reset()) dirs.remove(key);
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        } catch (RuntimeException e) {
            problems.accept("cgroup watching stopped (" + e + "); new containers are found by re-listing only");
        }
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException ignored) {
            // closing
        }
        thread.interrupt();
    }
}
