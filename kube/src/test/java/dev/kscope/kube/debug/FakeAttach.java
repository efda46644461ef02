package dev.kscope.kube.debug;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * The kubelet's end of an attach stream (channel protocol v4.channel.k8s.io: byte 0 of each
 * binary message is the channel, 0 stdin, 1 stdout, 3 status, 4 resize). It greets on stdout,
 * records stdin and resizes, echoes stdin, and ends the process with {@code exitCode} when it
 * reads "exit\r" (what a shell gets on Enter in raw mode).
 */
final class FakeAttach extends WebSocketListener {
    final ByteArrayOutputStream stdin = new ByteArrayOutputStream();
    final List<String> resizes = new CopyOnWriteArrayList<>();
    final CountDownLatch opened = new CountDownLatch(1);
    volatile String requestPath;
    volatile String protocol;
    private final int exitCode;

    FakeAttach(int exitCode) {
        this.exitCode = exitCode;
    }

    @Override
    public void onOpen(WebSocket ws, Response response) {
        requestPath = ws.request().getPath();
        protocol = ws.request().getHeader("Sec-WebSocket-Protocol");
        send(ws, 1, "debug shell ready\n");
        opened.countDown();
    }

    @Override
    public void onMessage(WebSocket ws, byte[] bytes) {
        if (bytes.length == 0) return;
        var data = new String(bytes, 1, bytes.length - 1, StandardCharsets.ISO_8859_1);
        switch (bytes[0]) {
            case 0 -> {
                synchronized (stdin) {
                    stdin.write(bytes, 1, bytes.length - 1);
                }
                send(ws, 1, data);
                if (stdinText().contains("exit\r")) {
                    var status = exitCode == 0 ? "{\"metadata\":{},\"status\":\"Success\"}"
                            : "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code\",\"reason\":\"NonZeroExitCode\","
                            + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"" + exitCode + "\"}]}}";
                    send(ws, 3, status);
                    ws.close(1000, "");
                }
            }
            case 4 -> resizes.add(data);
            default -> { }
        }
    }

    @Override
    public void onMessage(WebSocket ws, io.fabric8.mockwebserver.http.ByteString bytes) {
        onMessage(ws, bytes.toByteArray());
    }

    String stdinText() {
        synchronized (stdin) {
            return stdin.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static void send(WebSocket ws, int channel, String text) {
        var payload = text.getBytes(StandardCharsets.ISO_8859_1);
        var msg = new byte[payload.length + 1];
        msg[0] = (byte) channel;
        System.arraycopy(payload, 0, msg, 1, payload.length);
        ws.send(msg);
    }
}
