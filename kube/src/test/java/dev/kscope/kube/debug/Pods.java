package dev.kscope.kube.debug;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Test objects: a typical Deployment pod "web" in namespace "shop", and a node. */
final class Pods {
    private Pods() {
    }

    static Pod web() {
        return new PodBuilder()
                .withNewMetadata().withName("web").withNamespace("shop")
                .addToLabels("app", "web").addToLabels("pod-template-hash", "5d9c")
                .addToAnnotations("prometheus.io/scrape", "true")
                .endMetadata()
                .withNewSpec()
                .withNodeName("worker-1")
                .addNewInitContainer().withName("migrate").withImage("shop/migrate:1.2").endInitContainer()
                .addNewContainer().withName("app").withImage("shop/web:1.2")
                .withNewLivenessProbe().withNewHttpGet().withPath("/live").withNewPort(8080).endHttpGet().endLivenessProbe()
                .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withNewPort(8080).endHttpGet().endReadinessProbe()
                .withNewStartupProbe().withNewHttpGet().withPath("/start").withNewPort(8080).endHttpGet().endStartupProbe()
                .withNewSecurityContext().withRunAsUser(0L).endSecurityContext()
                .endContainer()
                .addNewContainer().withName("sidecar").withImage("envoyproxy/envoy:v1.31").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Running")
                .addNewContainerStatus().withName("app").withImage("shop/web:1.2").withNewState().withNewRunning().endRunning().endState().endContainerStatus()
                .addNewContainerStatus().withName("sidecar").withImage("envoyproxy/envoy:v1.31").withNewState().withNewRunning().endRunning().endState().endContainerStatus()
                .endStatus()
                .build();
    }

    static io.fabric8.kubernetes.api.model.Node node() {
        return new NodeBuilder().withNewMetadata().withName("worker-1").endMetadata().build();
    }

    static io.fabric8.kubernetes.api.model.Namespace namespace(String name, String enforce) {
        var b = new NamespaceBuilder().withNewMetadata().withName(name);
        if (enforce != null) b.addToLabels(Profile.ENFORCE_LABEL, enforce);
        return b.endMetadata().build();
    }

    /** Captured stdout/stderr and a scripted stdin for a session. */
    static final class Console {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final DebugSession.Io io;

        Console(String stdin, Terminal terminal) {
            this(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.ISO_8859_1)), terminal);
        }

        Console(java.io.InputStream in, Terminal terminal) {
            io = new DebugSession.Io(in, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), terminal);
        }

        String out() {
            return out.toString(StandardCharsets.UTF_8);
        }

        /**
         * A keyboard the test types on while kscope reads it. Not a PipedInputStream: that one fails writes with
         * "Read end dead" whenever the thread that last read has ended, which a session's stdin pump may legitimately do.
         */
        static final class Keyboard extends java.io.InputStream {
            private final java.util.concurrent.LinkedBlockingQueue<Integer> keys = new java.util.concurrent.LinkedBlockingQueue<>();

            void type(String text) {
                for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) keys.add(b & 0xff);
            }

            @Override
            public int read() throws java.io.IOException {
                try {
                    return keys.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                if (len == 0) return 0;
                b[off] = (byte) read(); // block for the first key, then take what is already typed
                int n = 1;
                Integer next;
                while (n < len && (next = keys.poll()) != null) b[off + n++] = (byte) (int) next;
                return n;
            }

            @Override
            public int available() {
                return keys.size();
            }
        }

        String err() {
            return err.toString(StandardCharsets.UTF_8);
        }
    }
}
