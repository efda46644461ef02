package dev.kscope.kube.debug;

import java.io.File;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Run by {@link TerminalTest} on a real pseudo-terminal (under script(1)): exercises {@link Terminal#system()}. */
public final class TerminalProbe {
    public static void main(String[] args) throws Exception {
        var t = Terminal.system();
        System.out.println("terminal=" + (t != Terminal.NONE));
        var resized = new CountDownLatch(1);
        t.onResize(resized::countDown);
        try (var raw = t.raw()) {
            System.out.println("raw-mode=" + stty("-a").contains("-icanon"));
            stty("cols", "101", "rows", "31"); // the kernel sends SIGWINCH to the foreground process group
            System.out.println("resize-signal=" + resized.await(10, TimeUnit.SECONDS));
            var size = t.size().orElse(new int[]{0, 0});
            System.out.println("size=" + size[0] + "x" + size[1]);
        }
        System.out.println("restored=" + stty("-a").contains(" icanon"));
    }

    private static String stty(String... args) throws Exception {
        var cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        var p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty")).redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }
}
