package dev.kscope.kube.debug;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Attaches the user's terminal to a running container (kubectl attach -it): keyboard to the
 * container's stdin, its output to ours, window sizes on the resize channel, and the detach keys
 * to leave the container running.
 */
public final class TerminalAttach {
    public sealed interface Result {
        record Exited(int code) implements Result {
        }

        record Detached() implements Result {
        }
    }

    private TerminalAttach() {
    }

    public static Result attach(KubernetesClient client, String ns, String pod, String container, boolean stdin, boolean tty,
                                InputStream in, OutputStream out, OutputStream err, Terminal terminal, DetachKeys detachKeys)
            throws InterruptedException {
        var c = client.pods().inNamespace(ns).withName(pod).inContainer(container);
        var input = stdin ? c.redirectingInput() : c;
        var output = input.writingOutput(out);
        var watch = tty ? output.withTTY().attach() : output.writingError(err).attach();
        try (watch; var ignored = tty ? terminal.raw() : (AutoCloseable) () -> { }) {
            if (tty) {
                Runnable resize = () -> terminal.size().ifPresent(s -> watch.resize(s[0], s[1]));
                resize.run();
                terminal.onResize(resize);
            }
            var detached = new CompletableFuture<Result>();
            if (stdin) pump(in, watch, detachKeys, detached);
            var exited = watch.exitCode().thenApply(code -> (Result) new Result.Exited(code == null ? 0 : code));
            return (Result) CompletableFuture.anyOf(exited, detached).get();
        } catch (ExecutionException e) {
            throw new io.fabric8.kubernetes.client.KubernetesClientException("attach failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e);
        }
    }

    /** Copies keyboard input to the container until the detach keys, EOF or the session ends. */
    private static void pump(InputStream in, ExecWatch watch, DetachKeys keys, CompletableFuture<Result> detached) {
        var t = Thread.ofPlatform().daemon().name("kscope-debug-stdin").start(() -> {
            var buf = new byte[4096];
            try {
                OutputStream to = watch.getInput();
                int n;
                while (!detached.isDone() && (n = in.read(buf)) >= 0) {
                    var forward = new ByteArrayOutputStream();
                    var detach = keys.feed(buf, n, forward);
                    if (forward.size() > 0) {
                        to.write(forward.toByteArray());
                        to.flush();
                    }
                    if (detach) {
                        detached.complete(new Result.Detached());
                        return;
                    }
                }
                to.close(); // EOF on stdin: the container sees it too
            } catch (IOException e) {
                // the session ended under us
            }
        });
        watch.exitCode().whenComplete((c, e) -> t.interrupt());
    }
}
