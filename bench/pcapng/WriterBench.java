import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The baseline's and the current writers in one JVM, each tree's classes in a class loader of its own, their
 * rounds interleaved (base, current, current, base, ...) so that both see the same machine load. Both writers run
 * hot, as in {@code kscope traffic}'s live mode (the capture's pipe and the packet spool): every case runs once
 * before any is measured. Prints per writer and frame size the best and the median round of each tree, their
 * ratio, and the heap bytes per packet.
 * WRITERS=capture (or traffic) runs one writer alone.
 * Usage: java WriterBench.java BASE_CLASSES CURRENT_CLASSES ROUNDS PACKETS
 */
public class WriterBench {
    public static void main(String[] args) throws Exception {
        var base = harness(args[0]);
        var current = harness(args[1]);
        int rounds = Integer.parseInt(args[2]);
        long packets = Long.parseLong(args[3]);
        var cases = new ArrayList<Object[]>();
        for (var writer : List.of(System.getenv().getOrDefault("WRITERS", "capture,traffic").split(","))) for (int size : new int[]{64, 1400}) cases.add(new Object[]{writer, size});
        for (var c : cases) {
            base.invoke(null, c[0], c[1], packets);
            current.invoke(null, c[0], c[1], packets);
        }
        System.out.printf("%-8s %5s %12s %12s %12s %12s %9s %14s%n", "writer", "bytes", "base best", "current best",
                "base median", "cur. median", "cur/base", "heap B/packet");
        for (var c : cases) {
            double[] b = new double[rounds], k = new double[rounds];
            double bHeap = 0, kHeap = 0;
            for (int r = 0; r < rounds; r++) {
                boolean baseFirst = r % 2 == 0;
                for (int i = 0; i < 2; i++) {
                    boolean isBase = baseFirst == (i == 0);
                    var m = (double[]) (isBase ? base : current).invoke(null, c[0], c[1], packets);
                    if (isBase) { b[r] = m[0]; bHeap = m[1]; } else { k[r] = m[0]; kHeap = m[1]; }
                }
            }
            Arrays.sort(b);
            Arrays.sort(k);
            System.out.printf("%-8s %5d %9.1f ns %9.1f ns %9.1f ns %9.1f ns %9.2f %6.2f -> %.2f%n", c[0], c[1], b[0], k[0],
                    b[rounds / 2], k[rounds / 2], k[rounds / 2] / b[rounds / 2], bHeap, kHeap);
        }
    }

    static java.lang.reflect.Method harness(String classes) throws Exception {
        var loader = new URLClassLoader(new URL[]{Path.of(classes).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        return loader.loadClass("Harness").getMethod("round", String.class, int.class, long.class);
    }
}
