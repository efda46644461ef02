package dev.kscope.cri;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

import java.nio.file.Path;

/** gRPC channels to a container runtime's CRI socket (containerd, CRI-O). */
public final class CriChannels {
    // grpc asks every channel for SO_KEEPALIVE, which unix sockets don't have: a harmless warning per connection.
    // Held in a field: JUL keeps loggers weakly, a collected logger forgets its level.
    private static final java.util.logging.Logger BOOTSTRAP_LOG =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

    static {
        BOOTSTRAP_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    private CriChannels() {
    }

    /** A channel to the unix socket at {@code socket}; it connects lazily and reconnects by itself when the runtime restarts. */
    public static ManagedChannel unix(Path socket) {
        return Grpc.newChannelBuilder("unix://" + socket.toAbsolutePath(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(16 << 20)
                .build();
    }
}
