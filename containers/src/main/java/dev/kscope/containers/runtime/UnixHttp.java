package dev.kscope.containers.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * HTTP GET over a unix socket, enough for the Docker Engine API (Docker, podman). Requests are HTTP/1.0, so the
 * server answers without chunking and closes the connection at the end: the body is everything up to EOF, and a
 * streaming endpoint like /events is a plain sequence of JSON documents.
 */
final class UnixHttp {
    private static final ScheduledExecutorService TIMEOUTS = Executors.newSingleThreadScheduledExecutor(r -> {
        var t = new Thread(r, "kscope-unix-http-timeouts");
        t.setDaemon(true);
        return t;
    });

    private UnixHttp() {
    }

    record Response(int status, byte[] body) {
    }

    /** A whole response; the connection is closed after {@code timeout} whatever happens. */
    static Response get(Path socket, String path, Duration timeout) throws IOException {
        var ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        var killer = TIMEOUTS.schedule(() -> closeQuietly(ch), timeout.toMillis(), TimeUnit.MILLISECONDS);
        try (ch) {
            var in = open(ch, path);
            return new Response(in.status, in.body.readAllBytes());
        } finally {
            killer.cancel(false);
        }
    }

    /** A streaming response: the caller reads the body until it closes the returned stream. */
    static Streaming stream(Path socket, String path) throws IOException {
        var ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        try {
            return open(ch, path);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    record Streaming(int status, InputStream body, SocketChannel channel) implements AutoCloseable {
        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    private static Streaming open(SocketChannel ch, String path) throws IOException {
        var request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\nUser-Agent: kscope\r\n\r\n";
        var buf = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
        while (buf.hasRemaining()) ch.write(buf);
        var in = Channels.newInputStream(ch);
        var head = new ByteArrayOutputStream();
        int state = 0; // matches \r\n\r\n
        while (state < 4) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed before the response headers");
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 64 * 1024) throw new IOException("response headers too long");
        }
        var statusLine = head.toString(StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
        var parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not an HTTP response: " + statusLine);
        return new Streaming(Integer.parseInt(parts[1]), in, ch);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
